package dev.kiln.core.hlo;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;

/**
 * Formats tensors as MLIR dense element attributes. Floats print in Java's shortest round-trip decimal form (exact
 * when parsed back as the same width); non-finite floats as their hex bit pattern, which MLIR accepts for float
 * elements. A tensor whose elements are all equal prints as a splat.
 */
public final class DenseFormat {
  private DenseFormat() {}

  /** {@code dense<...> : tensor<...>}. */
  public static String dense(Tensor t) {
    StringBuilder b = new StringBuilder("dense<");
    int n = t.size();
    boolean splat = n > 0;
    for (int i = 1; i < n && splat; i++) splat = sameBits(t, 0, i);
    if (splat) {
      element(b, t, 0);
    } else {
      nested(b, t, 0, 0);
    }
    return b.append("> : ").append(t.type().mlir()).toString();
  }

  private static boolean sameBits(Tensor t, int i, int j) {
    return switch (t.dtype()) {
      case F32 -> Float.floatToRawIntBits(t.floats()[i]) == Float.floatToRawIntBits(t.floats()[j]);
      case F64 -> Double.doubleToRawLongBits(t.doubles()[i]) == Double.doubleToRawLongBits(t.doubles()[j]);
      case S32, U32 -> t.ints()[i] == t.ints()[j];
      case PRED -> t.bools()[i] == t.bools()[j];
    };
  }

  private static int nested(StringBuilder b, Tensor t, int dim, int off) {
    int rank = t.shape().rank();
    if (dim == rank) {
      element(b, t, off);
      return off + 1;
    }
    b.append('[');
    for (int i = 0; i < t.shape().dim(dim); i++) {
      if (i > 0) b.append(", ");
      off = nested(b, t, dim + 1, off);
    }
    b.append(']');
    return off;
  }

  /** One element in MLIR literal syntax. */
  public static void element(StringBuilder b, Tensor t, int i) {
    switch (t.dtype()) {
      case F32 -> {
        float v = t.floats()[i];
        if (Float.isFinite(v)) b.append(Float.toString(v));
        else b.append(String.format("0x%08X", Float.floatToRawIntBits(v)));
      }
      case F64 -> {
        double v = t.doubles()[i];
        if (Double.isFinite(v)) b.append(Double.toString(v));
        else b.append(String.format("0x%016X", Double.doubleToRawLongBits(v)));
      }
      case S32 -> b.append(t.ints()[i]);
      case U32 -> b.append(Integer.toUnsignedString(t.ints()[i]));
      case PRED -> b.append(t.bools()[i]);
    }
  }

  /** A scalar literal of the given dtype, e.g. {@code 0.0} or {@code 0xFF800000}. */
  public static String scalar(DType dtype, double v) {
    StringBuilder b = new StringBuilder();
    element(b, Tensor.full(new dev.kiln.core.TensorType(dtype, dev.kiln.core.Shape.scalar()), v), 0);
    return b.toString();
  }
}
