package dev.kiln.core;

import java.util.Arrays;

/** The dimensions of a dense, row-major array. Immutable; a scalar has rank 0 and size 1. */
public final class Shape {
  private final int[] dims;
  private final long size;

  private Shape(int[] dims) {
    long s = 1;
    for (int d : dims) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(dims));
      }
      s *= d;
    }
    this.dims = dims;
    this.size = s;
  }

  public static Shape of(int... dims) {
    return new Shape(dims.clone());
  }

  public static Shape scalar() {
    return new Shape(new int[0]);
  }

  public int rank() {
    return dims.length;
  }

  public int dim(int axis) {
    return dims[axis];
  }

  /** A copy of the dimensions. */
  public int[] dims() {
    return dims.clone();
  }

  /** Number of elements, as an int; throws if it does not fit a Java array. */
  public int size() {
    if (size > Integer.MAX_VALUE) {
      throw new IllegalStateException("shape " + this + " has " + size + " elements, more than a Java array holds");
    }
    return (int) size;
  }

  public long longSize() {
    return size;
  }

  /** Row-major strides in elements. */
  public int[] strides() {
    int[] s = new int[dims.length];
    int acc = 1;
    for (int i = dims.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= dims[i];
    }
    return s;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Shape s && Arrays.equals(dims, s.dims);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims);
  }

  @Override
  public String toString() {
    return Arrays.toString(dims);
  }
}
