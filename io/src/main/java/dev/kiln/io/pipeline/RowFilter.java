package dev.kiln.io.pipeline;

/**
 * Which rows of a file are kept, as Jane Street competitors filtered theirs before training: rows dated before
 * {@code minDate} or after {@code maxDate} dropped, and with {@code dropZeroWeight} the rows of weight 0. Rows are
 * dropped as a file is read, before any window is cut, so a window never holds a dropped row. The upper bound is what
 * a cross-validation split narrows a fold to ("train on these dates, validate on those").
 */
public record RowFilter(int minDate, int maxDate, boolean dropZeroWeight) {
  /** Every row. */
  public static final RowFilter ALL = new RowFilter(Integer.MIN_VALUE, Integer.MAX_VALUE, false);

  /** The rows from {@code minDate} on (no upper bound). */
  public RowFilter(int minDate, boolean dropZeroWeight) {
    this(minDate, Integer.MAX_VALUE, dropZeroWeight);
  }

  /** Checks that the date range is not empty. */
  public RowFilter {
    if (maxDate < minDate) throw new IllegalArgumentException("empty date range " + minDate + ".." + maxDate);
  }

  /** Whether a row with this date and weight is kept. */
  public boolean keeps(float date, float weight) {
    return !(date < minDate) && !(date > maxDate) && !(dropZeroWeight && weight == 0f);
  }

  /** Whether some rows may be dropped. */
  public boolean drops() {
    return !equals(ALL);
  }

  /** This filter, further keeping only the dates in [first, last]; an error when that leaves no date. */
  public RowFilter within(int first, int last) {
    int lo = Math.max(minDate, first), hi = Math.min(maxDate, last);
    if (hi < lo) {
      throw new IllegalArgumentException("dates " + first + ".." + last + " lie outside the kept range " + minDate
          + ".." + maxDate);
    }
    return new RowFilter(lo, hi, dropZeroWeight);
  }
}
