package dev.kiln.train;

import java.util.ArrayList;
import java.util.List;

/**
 * The purged, time-ordered cross-validation the Jane Street competitors validated with (the public
 * {@code PurgedGroupTimeSeriesSplit}), on dates as the groups. With G distinct dates, ascending, and S splits:
 * <ul>
 *   <li>each validation block is V = min(G // (S + 1), maxValid) dates, and the S blocks are the last S·V dates:
 *       split k validates on dates [G − (S − k)·V, G − (S − k − 1)·V) by index, k = 0 .. S − 1;</li>
 *   <li>split k trains on the dates before its block, less the {@code gap} dates just before it (purged, so no
 *       training day lies within {@code gap} days of a validation one), and at most the last {@code maxTrain} of
 *       those: indices [max(0, start − gap − maxTrain), start − gap).</li>
 * </ul>
 * The reference also drops the first {@code gap} <em>rows</em> (not dates) of each validation set; that is a quirk of
 * its row indexing, and here every validation date is validated whole.
 */
public final class PurgedSplits {
  /** No limit on the training or validation dates. */
  public static final int UNLIMITED = Integer.MAX_VALUE;

  private PurgedSplits() {}

  /** One split: its training and validation dates, each a run of consecutive distinct dates, by value and count. */
  public record Split(int index, int trainFirst, int trainLast, int trainDates, int validFirst, int validLast,
      int validDates) {
    /** The split as the date ranges a run is restricted to. */
    public DateSplit dateSplit() {
      return new DateSplit(trainFirst, trainLast, validFirst, validLast);
    }
  }

  /** Checks the settings that need no data: one clear line for each misuse. */
  public static void check(int splits, int gap, int maxTrain, int maxValid) {
    if (splits < 2) throw new IllegalArgumentException("--splits must be at least 2, got " + splits);
    if (gap < 0) throw new IllegalArgumentException("--gap must be 0 or more dates, got " + gap);
    if (maxTrain < 1) throw new IllegalArgumentException("--max-train-dates must be at least 1, got " + maxTrain);
    if (maxValid < 1) throw new IllegalArgumentException("--max-valid-dates must be at least 1, got " + maxValid);
  }

  /**
   * The splits of {@code dates} (distinct, ascending). Too few dates for S + 1 blocks, or for the first split to
   * keep a training date after the gap, is one clear line.
   */
  public static List<Split> of(int[] dates, int splits, int gap, int maxTrain, int maxValid) {
    check(splits, gap, maxTrain, maxValid);
    for (int i = 1; i < dates.length; i++) {
      if (dates[i] <= dates[i - 1]) throw new IllegalArgumentException("dates must be distinct and ascending");
    }
    int g = dates.length;
    if (g < splits + 1) {
      throw new IllegalArgumentException("too few dates: " + g + " distinct dates cannot make " + (splits + 1)
          + " blocks for --splits " + splits);
    }
    int valid = Math.min(g / (splits + 1), maxValid);
    int firstStart = g - splits * valid;
    if (firstStart - gap < 1) {
      throw new IllegalArgumentException("too few dates: with " + g + " distinct dates, --splits " + splits + " ("
          + valid + " validation dates each) and --gap " + gap + " leave the first split no training date");
    }
    List<Split> out = new ArrayList<>();
    for (int k = 0; k < splits; k++) {
      int start = firstStart + k * valid;
      int trainEnd = start - gap;
      int trainStart = (int) Math.max(0, (long) trainEnd - maxTrain);
      out.add(new Split(k, dates[trainStart], dates[trainEnd - 1], trainEnd - trainStart, dates[start],
          dates[start + valid - 1], valid));
    }
    return out;
  }
}
