package dev.kiln.train.report;

import java.util.Arrays;

/**
 * The precision-recall and ROC curves of a binary classifier's scores, computed as scikit-learn's
 * {@code precision_recall_curve} and {@code roc_curve} (defaults; scikit-learn 1.3 and later) compute them, so the
 * notebook's last three figures can be drawn from Kiln's predictions.
 *
 * <p>A label counts as positive when it is greater than 0, as Keras casts labels to bool: the notebook's label for a
 * zero response is 0.5, and it is positive. Labels must lie in [0, 1] and scores must be finite.
 *
 * <p>Both curves are built from the distinct scores, each used as a threshold "score ≥ t is predicted positive":
 * <ul>
 *   <li>{@link #precisionRecall}: thresholds in <em>increasing</em> order, as scikit-learn returns them;
 *       {@code precision[i]} and {@code recall[i]} belong to {@code thresholds[i]}, and both arrays end with the
 *       extra point precision 1, recall 0 (one element longer than the thresholds). Precision is 0 where nothing is
 *       predicted positive; with no positive label at all, recall is 1 everywhere (scikit-learn warns there).</li>
 *   <li>{@link #roc}: thresholds in <em>decreasing</em> order, led by +∞ for the point (0, 0); intermediate points
 *       that lie on a straight line between their neighbours are dropped ({@code drop_intermediate=True}). Without
 *       negative (positive) labels the false (true) positive rate is undefined and is NaN, as in scikit-learn.</li>
 * </ul>
 */
public final class Curves {
  private Curves() {}

  /** Precision and recall at each threshold; see the class comment for their order and the final (1, 0) point. */
  public record PrecisionRecall(double[] precision, double[] recall, double[] thresholds) {}

  /** False and true positive rates at each threshold, led by (0, 0) at threshold +∞. */
  public record Roc(double[] fpr, double[] tpr, double[] thresholds) {}

  /** scikit-learn's {@code precision_recall_curve(labels, scores)}. */
  public static PrecisionRecall precisionRecall(float[] scores, float[] labels) {
    Counts c = counts(scores, labels);
    int k = c.tps.length;
    long positives = c.tps[k - 1];
    double[] precision = new double[k + 1];
    double[] recall = new double[k + 1];
    double[] thresholds = new double[k];
    for (int i = 0; i < k; i++) {
      int src = k - 1 - i; // scikit-learn reverses the decreasing-threshold order
      long predicted = c.tps[src] + c.fps[src];
      precision[i] = predicted == 0 ? 0 : (double) c.tps[src] / predicted;
      recall[i] = positives == 0 ? 1 : (double) c.tps[src] / positives;
      thresholds[i] = c.thresholds[src];
    }
    precision[k] = 1;
    recall[k] = 0;
    return new PrecisionRecall(precision, recall, thresholds);
  }

  /** scikit-learn's {@code roc_curve(labels, scores)} with its default {@code drop_intermediate=True}. */
  public static Roc roc(float[] scores, float[] labels) {
    Counts c = counts(scores, labels);
    int k = c.tps.length;
    int[] keep = new int[k];
    int kept = 0;
    for (int i = 0; i < k; i++) {
      boolean corner = k <= 2 || i == 0 || i == k - 1
          || c.fps[i + 1] - 2 * c.fps[i] + c.fps[i - 1] != 0
          || c.tps[i + 1] - 2 * c.tps[i] + c.tps[i - 1] != 0;
      if (corner) {
        keep[kept++] = i;
      }
    }
    long negatives = c.fps[k - 1];
    long positives = c.tps[k - 1];
    double[] fpr = new double[kept + 1];
    double[] tpr = new double[kept + 1];
    double[] thresholds = new double[kept + 1];
    thresholds[0] = Double.POSITIVE_INFINITY;
    fpr[0] = negatives == 0 ? Double.NaN : 0;
    tpr[0] = positives == 0 ? Double.NaN : 0;
    for (int j = 0; j < kept; j++) {
      int i = keep[j];
      fpr[j + 1] = negatives == 0 ? Double.NaN : (double) c.fps[i] / negatives;
      tpr[j + 1] = positives == 0 ? Double.NaN : (double) c.tps[i] / positives;
      thresholds[j + 1] = c.thresholds[i];
    }
    return new Roc(fpr, tpr, thresholds);
  }

  /**
   * True and false positive counts at each distinct score, in decreasing score order: {@code tps[i]} and
   * {@code fps[i]} count the samples whose score is at least {@code thresholds[i]}.
   */
  private record Counts(long[] tps, long[] fps, double[] thresholds) {}

  private static Counts counts(float[] scores, float[] labels) {
    if (scores == null || labels == null) {
      throw new IllegalArgumentException("scores and labels must both be given");
    }
    int n = scores.length;
    if (labels.length != n) {
      throw new IllegalArgumentException(n + " scores but " + labels.length + " labels");
    }
    if (n == 0) {
      throw new IllegalArgumentException("a curve needs at least one sample");
    }
    // Sort by score, with the index in the low half so equal scores stay together and the sort is primitive.
    long[] keys = new long[n];
    for (int i = 0; i < n; i++) {
      float s = scores[i];
      float y = labels[i];
      if (!Float.isFinite(s)) {
        throw new IllegalArgumentException("score " + i + " is " + s + "; scores must be finite");
      }
      if (!(y >= 0 && y <= 1)) {
        throw new IllegalArgumentException("label " + i + " is " + y + "; labels must lie in [0, 1]");
      }
      keys[i] = ((long) sortableBits(s) << 32) | i;
    }
    Arrays.sort(keys);
    long[] tps = new long[n];
    long[] fps = new long[n];
    double[] thresholds = new double[n];
    int k = 0;
    long tp = 0;
    long seen = 0;
    for (int r = n - 1; r >= 0; r--) {
      int i = (int) keys[r];
      seen++;
      if (labels[i] > 0) {
        tp++;
      }
      boolean lastOfScore = r == 0 || (int) (keys[r - 1] >>> 32) != (int) (keys[r] >>> 32);
      if (lastOfScore) {
        tps[k] = tp;
        fps[k] = seen - tp;
        thresholds[k] = scores[i];
        k++;
      }
    }
    return new Counts(Arrays.copyOf(tps, k), Arrays.copyOf(fps, k), Arrays.copyOf(thresholds, k));
  }

  /** An int whose signed order is the float's numeric order, with -0 and +0 equal (finite floats only). */
  private static int sortableBits(float f) {
    int bits = Float.floatToIntBits(f == 0 ? 0f : f);
    return bits < 0 ? bits ^ 0x7fffffff : bits;
  }
}
