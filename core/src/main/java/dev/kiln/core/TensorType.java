package dev.kiln.core;

/** The static type of a value in a graph: element type and shape. */
public record TensorType(DType dtype, Shape shape) {
  public static TensorType of(DType dtype, int... dims) {
    return new TensorType(dtype, Shape.of(dims));
  }

  public int rank() {
    return shape.rank();
  }

  public int dim(int axis) {
    return shape.dim(axis);
  }

  /** The MLIR spelling, e.g. {@code tensor<4x20xf32>}. */
  public String mlir() {
    StringBuilder b = new StringBuilder("tensor<");
    for (int i = 0; i < shape.rank(); i++) {
      b.append(shape.dim(i)).append('x');
    }
    return b.append(dtype.mlirName()).append('>').toString();
  }

  @Override
  public String toString() {
    return dtype + shape.toString();
  }
}
