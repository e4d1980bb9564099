package dev.kiln.train.stream;

/**
 * The last W rows of the current date, NaN already filled, in a ring of preallocated rows. A row of another date
 * starts the ring afresh. Until W rows of the date have come, the window is the date's first row repeated in front
 * of the rows so far.
 */
final class DateWindow {
  private final int window, features;
  private final float[] ring;
  private long count;
  private int date;

  DateWindow(int window, int features) {
    this.window = window;
    this.features = features;
    this.ring = new float[window * features];
  }

  /** Adds a row (its first {@code features} values, NaN replaced by {@code fill}). */
  void add(int rowDate, float[] x, float fill) {
    if (count == 0 || rowDate != date) {
      count = 0;
      date = rowDate;
    }
    int at = (int) (count % window) * features;
    for (int j = 0; j < features; j++) ring[at + j] = Float.isNaN(x[j]) ? fill : x[j];
    count++;
  }

  /** Whether any row has come. */
  boolean started() {
    return count > 0;
  }

  /** The current date (meaningful once {@link #started}). */
  int date() {
    return date;
  }

  /** Whether the date has W rows so far (the window holds no repeated first row). */
  boolean full() {
    return count >= window;
  }

  /** Writes the window, oldest row first, into {@code out} [window * features] from {@code off}. */
  void copyTo(float[] out, int off) {
    for (int k = 0; k < window; k++) {
      long row = count - window + k; // the date's row index at window position k
      int slot = row < 0 ? 0 : (int) (row % window); // before row 0: the date's first row, slot 0 until the ring wraps
      System.arraycopy(ring, slot * features, out, off + k * features, features);
    }
  }
}
