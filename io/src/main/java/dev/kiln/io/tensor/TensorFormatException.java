package dev.kiln.io.tensor;

/**
 * Bytes that are not a usable TensorProto: malformed protobuf, an unsupported or unexpected dtype, a bad or unexpected
 * shape, or content whose size does not match the shape. The TFRecord layer turns it into a located
 * {@link dev.kiln.io.CorruptRecordException}.
 */
public final class TensorFormatException extends Exception {
  private static final long serialVersionUID = 1L;

  /** A problem described by {@code message}. */
  public TensorFormatException(String message) {
    super(message);
  }
}
