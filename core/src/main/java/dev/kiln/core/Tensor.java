package dev.kiln.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable host array: dtype, shape and row-major data held in a primitive array ({@code float[]} for F32,
 * {@code double[]} for F64, {@code int[]} for S32 and U32, {@code boolean[]} for PRED) or in a little-endian direct
 * {@link ByteBuffer} (so a batch assembled off-heap reaches a backend without another copy).
 *
 * <p>The accessors {@link #floats()}, {@link #doubles()}, {@link #ints()} and {@link #bools()} return the backing
 * array itself, without a copy, because kernels read them in hot loops; callers must treat them as read-only.
 * Factories named {@code of} copy their argument; {@code wrap} takes ownership of it.
 */
public final class Tensor {
  private final DType dtype;
  private final Shape shape;
  private final Object array; // primitive array, or null when buffer-backed
  private final ByteBuffer buffer; // little-endian, position 0; or null
  private volatile Object arrayCopy; // lazily decoded copy of a buffer

  private Tensor(DType dtype, Shape shape, Object array, ByteBuffer buffer) {
    this.dtype = dtype;
    this.shape = shape;
    this.array = array;
    this.buffer = buffer;
  }

  // ---- factories ----

  /** Takes ownership of {@code data}: an array of the dtype's Java type whose length is the shape's size. */
  public static Tensor wrap(DType dtype, Shape shape, Object data) {
    Objects.requireNonNull(data, "data");
    int n = switch (dtype) {
      case F32 -> ((float[]) data).length;
      case F64 -> ((double[]) data).length;
      case S32, U32 -> ((int[]) data).length;
      case PRED -> ((boolean[]) data).length;
    };
    if (n != shape.size()) {
      throw new IllegalArgumentException(dtype + " data of length " + n + " does not fit shape " + shape);
    }
    return new Tensor(dtype, shape, data, null);
  }

  /**
   * Wraps a direct or heap buffer of little-endian elements without copying (from its position to its limit).
   * The caller must not change the bytes while the tensor is in use.
   */
  public static Tensor wrap(DType dtype, Shape shape, ByteBuffer bytes) {
    ByteBuffer b = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
    long need = shape.longSize() * dtype.byteSize();
    if (b.remaining() != need) {
      throw new IllegalArgumentException(
          "buffer of " + b.remaining() + " bytes does not hold " + dtype + shape + " (" + need + " bytes)");
    }
    return new Tensor(dtype, shape, null, b);
  }

  public static Tensor of(float[] data, int... dims) {
    return wrap(DType.F32, Shape.of(dims), data.clone());
  }

  public static Tensor of(double[] data, int... dims) {
    return wrap(DType.F64, Shape.of(dims), data.clone());
  }

  public static Tensor of(int[] data, int... dims) {
    return wrap(DType.S32, Shape.of(dims), data.clone());
  }

  public static Tensor ofUnsigned(int[] data, int... dims) {
    return wrap(DType.U32, Shape.of(dims), data.clone());
  }

  public static Tensor of(boolean[] data, int... dims) {
    return wrap(DType.PRED, Shape.of(dims), data.clone());
  }

  public static Tensor scalar(float v) {
    return wrap(DType.F32, Shape.scalar(), new float[] {v});
  }

  public static Tensor scalar(double v) {
    return wrap(DType.F64, Shape.scalar(), new double[] {v});
  }

  /** A tensor of the given type filled with {@code value} (converted to the dtype). */
  public static Tensor full(TensorType type, double value) {
    int n = type.shape().size();
    Object data = switch (type.dtype()) {
      case F32 -> { float[] a = new float[n]; Arrays.fill(a, (float) value); yield a; }
      case F64 -> { double[] a = new double[n]; Arrays.fill(a, value); yield a; }
      case S32, U32 -> { int[] a = new int[n]; Arrays.fill(a, (int) (long) value); yield a; }
      case PRED -> { boolean[] a = new boolean[n]; Arrays.fill(a, value != 0); yield a; }
    };
    return wrap(type.dtype(), type.shape(), data);
  }

  public static Tensor zeros(DType dtype, int... dims) {
    return full(new TensorType(dtype, Shape.of(dims)), 0);
  }

  /** A new array of the dtype's Java type and the given length, zero-filled. */
  public static Object newArray(DType dtype, int n) {
    return switch (dtype) {
      case F32 -> new float[n];
      case F64 -> new double[n];
      case S32, U32 -> new int[n];
      case PRED -> new boolean[n];
    };
  }

  // ---- accessors ----

  public DType dtype() {
    return dtype;
  }

  public Shape shape() {
    return shape;
  }

  public TensorType type() {
    return new TensorType(dtype, shape);
  }

  public int size() {
    return shape.size();
  }

  /** True when the data lives in a buffer rather than a Java array. */
  public boolean isBufferBacked() {
    return buffer != null;
  }

  /** The backing buffer (read-only view, little-endian) of a buffer-backed tensor, or a new buffer of the data. */
  public ByteBuffer toByteBuffer() {
    if (buffer != null) {
      return buffer.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }
    ByteBuffer b = ByteBuffer.allocate(size() * dtype.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    switch (dtype) {
      case F32 -> b.asFloatBuffer().put(floats());
      case F64 -> b.asDoubleBuffer().put(doubles());
      case S32, U32 -> b.asIntBuffer().put(ints());
      case PRED -> { for (boolean v : bools()) b.put((byte) (v ? 1 : 0)); b.flip(); }
    }
    return b;
  }

  /** The backing array (read-only by contract); a buffer-backed tensor decodes a copy once. */
  public Object array() {
    if (array != null) {
      return array;
    }
    Object c = arrayCopy;
    if (c == null) {
      ByteBuffer b = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      int n = size();
      c = newArray(dtype, n);
      switch (dtype) {
        case F32 -> b.asFloatBuffer().get((float[]) c);
        case F64 -> b.asDoubleBuffer().get((double[]) c);
        case S32, U32 -> b.asIntBuffer().get((int[]) c);
        case PRED -> { boolean[] z = (boolean[]) c; for (int i = 0; i < n; i++) z[i] = b.get(i) != 0; }
      }
      arrayCopy = c;
    }
    return c;
  }

  public float[] floats() {
    expect(DType.F32);
    return (float[]) array();
  }

  public double[] doubles() {
    expect(DType.F64);
    return (double[]) array();
  }

  public int[] ints() {
    if (dtype != DType.S32 && dtype != DType.U32) {
      throw new IllegalStateException("tensor is " + dtype + ", not S32 or U32");
    }
    return (int[]) array();
  }

  public boolean[] bools() {
    expect(DType.PRED);
    return (boolean[]) array();
  }

  private void expect(DType d) {
    if (dtype != d) {
      throw new IllegalStateException("tensor is " + dtype + ", not " + d);
    }
  }

  /** Element {@code i} (row-major flat index) as a double; U32 reads as unsigned. */
  public double getDouble(int i) {
    return elementAsDouble(array(), dtype, i);
  }

  /** Element i of a backing array of dtype d as a double (U32 unsigned, PRED 0/1). */
  public static double elementAsDouble(Object a, DType d, int i) {
    return switch (d) {
      case F32 -> ((float[]) a)[i];
      case F64 -> ((double[]) a)[i];
      case S32 -> ((int[]) a)[i];
      case U32 -> Integer.toUnsignedLong(((int[]) a)[i]);
      case PRED -> ((boolean[]) a)[i] ? 1 : 0;
    };
  }

  /** The single element of a size-1 tensor, as a double. */
  public double item() {
    if (size() != 1) {
      throw new IllegalStateException("item() of a tensor of shape " + shape);
    }
    return getDouble(0);
  }

  /** All elements as doubles (a copy). */
  public double[] toDoubleArray() {
    double[] r = new double[size()];
    for (int i = 0; i < r.length; i++) {
      r[i] = getDouble(i);
    }
    return r;
  }

  /**
   * True when shapes match and every element satisfies |a − b| ≤ atol + rtol·|b| (NaNs equal only to NaNs).
   * Dtypes may differ, so an F32 result can be compared with its F64 reference.
   */
  public static boolean allClose(Tensor a, Tensor b, double rtol, double atol) {
    return firstMismatch(a, b, rtol, atol) < 0;
  }

  /** Index of the first element violating {@link #allClose}, -1 if none; throws on a shape mismatch. */
  public static int firstMismatch(Tensor a, Tensor b, double rtol, double atol) {
    if (!a.shape.equals(b.shape)) {
      throw new IllegalArgumentException("shapes differ: " + a.shape + " vs " + b.shape);
    }
    for (int i = 0, n = a.size(); i < n; i++) {
      double x = a.getDouble(i);
      double y = b.getDouble(i);
      if (Double.isNaN(x) || Double.isNaN(y)) {
        if (Double.isNaN(x) != Double.isNaN(y)) {
          return i;
        }
      } else if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y)) && x != y) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("Tensor(").append(dtype).append(shape).append(' ');
    int n = Math.min(size(), 16);
    b.append('[');
    for (int i = 0; i < n; i++) {
      if (i > 0) b.append(", ");
      b.append(dtype.isFloating() ? String.valueOf(getDouble(i)) : String.valueOf((long) getDouble(i)));
    }
    if (size() > n) b.append(", ...");
    return b.append("])").toString();
  }
}
