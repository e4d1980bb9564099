package dev.kiln.io.dataset;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A dataset row holding NaN or ±Inf in a column the pipeline uses. Such a row is well-formed (its CRCs hold), so it
 * is not skipped as corrupt: one non-finite input makes the whole model NaN, so reading stops and names the file, the
 * record and the column.
 */
public final class NonFiniteValueException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Record {@code recordNumber} of {@code file} holds {@code value} in column {@code column}. */
  public NonFiniteValueException(Path file, long recordNumber, String column, float value) {
    super(file + ": record " + recordNumber + ": column '" + column + "' is " + name(value)
        + "; Kiln refuses NaN and ±Inf in dataset files (kiln convert fills missing values with --nan-fill)");
  }

  /** NaN, +Inf or -Inf. */
  static String name(float v) {
    return Float.isNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
  }
}
