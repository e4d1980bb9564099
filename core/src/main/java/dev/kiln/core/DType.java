package dev.kiln.core;

/**
 * Element types Kiln computes with. The set is the StableHLO subset Kiln needs: two float widths for training and
 * float64 references, signed and unsigned 32-bit integers (the RNG needs wrapping unsigned arithmetic) and booleans.
 */
public enum DType {
  F32(4, "f32"),
  F64(8, "f64"),
  S32(4, "i32"),
  U32(4, "ui32"),
  PRED(1, "i1");

  private final int byteSize;
  private final String mlir;

  DType(int byteSize, String mlir) {
    this.byteSize = byteSize;
    this.mlir = mlir;
  }

  /** Bytes per element in a dense row-major buffer. */
  public int byteSize() {
    return byteSize;
  }

  /** The element type's spelling in MLIR/StableHLO text, e.g. {@code f32}, {@code ui32}, {@code i1}. */
  public String mlirName() {
    return mlir;
  }

  public boolean isFloating() {
    return this == F32 || this == F64;
  }

  public boolean isInteger() {
    return this == S32 || this == U32;
  }
}
