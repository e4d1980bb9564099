package dev.kiln.io.pipeline;

/**
 * Which rows of a file are kept, as Jane Street competitors filtered theirs before training: rows dated before
 * {@code minDate} dropped, and with {@code dropZeroWeight} the rows of weight 0. Rows are dropped as a file is
 * read, before any window is cut, so a window never holds a dropped row.
 */
public record RowFilter(int minDate, boolean dropZeroWeight) {
  /** Every row. */
  public static final RowFilter ALL = new RowFilter(Integer.MIN_VALUE, false);

  /** Whether a row with this date and weight is kept. */
  public boolean keeps(float date, float weight) {
    return !(date < minDate) && !(dropZeroWeight && weight == 0f);
  }

  /** Whether some rows may be dropped. */
  public boolean drops() {
    return !equals(ALL);
  }
}
