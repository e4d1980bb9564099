package dev.kiln.io.tensor;

import dev.kiln.io.proto.DataType;
import java.util.Arrays;

/**
 * A host tensor as the TensorProto codec reads and writes it: an element type, a shape and the values in row-major
 * order. It is the io module's own value type so that io stays independent of the engine's tensors and graphs.
 */
public sealed interface TensorData {
  /** The element type, as TensorFlow numbers it. */
  DataType dtype();

  /** The dimensions, outermost first (a scalar has none). */
  long[] shape();

  /** The number of elements. */
  int size();

  /** A float32 tensor. */
  record Floats(long[] shape, float[] values) implements TensorData {
    /** Checks that the values fill the shape. */
    public Floats {
      shape = shape.clone();
      checkCount(shape, values.length);
    }

    @Override
    public DataType dtype() {
      return DataType.DT_FLOAT;
    }

    @Override
    public int size() {
      return values.length;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Floats f && Arrays.equals(shape, f.shape) && Arrays.equals(values, f.values);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(shape) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
      return "Floats" + Arrays.toString(shape);
    }
  }

  /** A float64 tensor. */
  record Doubles(long[] shape, double[] values) implements TensorData {
    /** Checks that the values fill the shape. */
    public Doubles {
      shape = shape.clone();
      checkCount(shape, values.length);
    }

    @Override
    public DataType dtype() {
      return DataType.DT_DOUBLE;
    }

    @Override
    public int size() {
      return values.length;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Doubles d && Arrays.equals(shape, d.shape) && Arrays.equals(values, d.values);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(shape) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
      return "Doubles" + Arrays.toString(shape);
    }
  }

  /** An int32 tensor. */
  record Ints(long[] shape, int[] values) implements TensorData {
    /** Checks that the values fill the shape. */
    public Ints {
      shape = shape.clone();
      checkCount(shape, values.length);
    }

    @Override
    public DataType dtype() {
      return DataType.DT_INT32;
    }

    @Override
    public int size() {
      return values.length;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Ints i && Arrays.equals(shape, i.shape) && Arrays.equals(values, i.values);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(shape) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
      return "Ints" + Arrays.toString(shape);
    }
  }

  /** An int64 tensor. */
  record Longs(long[] shape, long[] values) implements TensorData {
    /** Checks that the values fill the shape. */
    public Longs {
      shape = shape.clone();
      checkCount(shape, values.length);
    }

    @Override
    public DataType dtype() {
      return DataType.DT_INT64;
    }

    @Override
    public int size() {
      return values.length;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Longs l && Arrays.equals(shape, l.shape) && Arrays.equals(values, l.values);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(shape) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
      return "Longs" + Arrays.toString(shape);
    }
  }

  private static void checkCount(long[] shape, int count) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      n = Math.multiplyHigh(n, d) != 0 ? Long.MAX_VALUE : n * d;
      if (n < 0) {
        n = Long.MAX_VALUE;
      }
    }
    if (n != count) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n + " elements, not " + count);
    }
  }
}
