package dev.kiln.io.dataset;

/**
 * Assigns dates to folds and files as the seed's data did, generalised: the date range [min, max] is cut into
 * {@code folds} blocks of consecutive dates of (nearly) equal span, and each fold's block into {@code filesPerFold}
 * files of (nearly) equal span. For dates 0..499, 5 folds and 5 files, fold f holds dates [100f, 100f+99] and each file
 * 20 days. Spans that do not divide evenly differ by at most one date.
 */
public record DateBlocks(int minDate, int maxDate, int folds, int filesPerFold) {
  /** Checks that every fold and every file gets at least one date. */
  public DateBlocks {
    if (folds < 1 || filesPerFold < 1) {
      throw new IllegalArgumentException("folds and files per fold must be at least 1, got " + folds + " and "
          + filesPerFold);
    }
    if (maxDate < minDate) {
      throw new IllegalArgumentException("empty date range " + minDate + ".." + maxDate);
    }
    long span = (long) maxDate - minDate + 1;
    if (span < (long) folds * filesPerFold) {
      throw new IllegalArgumentException(folds + " folds x " + filesPerFold + " files need at least "
          + (long) folds * filesPerFold + " distinct dates; the data has dates " + minDate + ".." + maxDate);
    }
  }

  /** The fold that holds {@code date}. */
  public int fold(int date) {
    check(date);
    return (int) (((long) date - minDate) * folds / span());
  }

  /** The file (within its fold) that holds {@code date}. */
  public int file(int date) {
    int f = fold(date);
    long first = firstDate(f);
    long foldSpan = firstDate(f + 1) - first;
    return (int) ((date - first) * filesPerFold / foldSpan);
  }

  /** The first date of fold {@code f} (for f == folds, one past the last date). */
  public long firstDate(int f) {
    // Smallest d with floor((d - min) * folds / span) >= f.
    return minDate + ceilDiv((long) f * span(), folds);
  }

  private long span() {
    return (long) maxDate - minDate + 1;
  }

  private void check(int date) {
    if (date < minDate || date > maxDate) {
      throw new IllegalArgumentException("date " + date + " is outside " + minDate + ".." + maxDate);
    }
  }

  private static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }
}
