package dev.kiln.io.dataset;

import java.io.IOException;
import java.nio.file.Path;

/** A line of a CSV file that cannot be converted; the message names the file, the line number and the problem. */
public final class CsvFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  private final long line;

  /** A problem on line {@code line} (1-based, the header is line 1) of {@code file}. */
  public CsvFormatException(Path file, long line, String problem) {
    super(file + " line " + line + ": " + problem);
    this.line = line;
  }

  /** The 1-based line number. */
  public long line() {
    return line;
  }
}
