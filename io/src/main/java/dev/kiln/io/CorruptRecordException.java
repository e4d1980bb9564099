package dev.kiln.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A record of a TFRecord file that cannot be trusted: a wrong CRC, a truncated record, a declared length that overruns
 * the file, or a payload that is not the expected tensor. It names the file, the byte offset where the record starts
 * and its record number (0-based, counting every framed record before it), so that a user can find the damage.
 */
public final class CorruptRecordException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final long offset;
  private final long recordNumber;
  private final String reason;

  /** A corrupt record of {@code file} starting at byte {@code offset}, the {@code recordNumber}-th of the file. */
  public CorruptRecordException(Path file, long offset, long recordNumber, String reason) {
    super(file + ": corrupt record " + recordNumber + " at byte offset " + offset + ": " + reason);
    this.file = file;
    this.offset = offset;
    this.recordNumber = recordNumber;
    this.reason = reason;
  }

  /** The file that holds the record. */
  public Path file() {
    return file;
  }

  /** The byte offset in the file where the corrupt record starts. */
  public long offset() {
    return offset;
  }

  /** The 0-based number of the record in its file. */
  public long recordNumber() {
    return recordNumber;
  }

  /** What is wrong with the record, without the location. */
  public String reason() {
    return reason;
  }
}
