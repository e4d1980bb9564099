package dev.kiln.io.dataset;

import java.util.Arrays;

/**
 * The exact area under the ROC curve of scores against binary labels (the Mann-Whitney statistic, ties counted as
 * half), used to state the best AUC a model can reach on synthetic data.
 */
public final class Auc {
  private Auc() {}

  /** The AUC of {@code n} scores against labels (true = positive); NaN when either class is empty. */
  public static double exact(double[] scores, boolean[] positive, int n) {
    Integer[] boxed = new Integer[n];
    for (int i = 0; i < n; i++) {
      boxed[i] = i;
    }
    Arrays.sort(boxed, (a, b) -> Double.compare(scores[a], scores[b]));
    long pos = 0;
    for (int i = 0; i < n; i++) {
      if (positive[i]) {
        pos++;
      }
    }
    long neg = n - pos;
    if (pos == 0 || neg == 0) {
      return Double.NaN;
    }
    // Sum of the (average, 1-based) ranks of the positives.
    double rankSum = 0;
    int i = 0;
    while (i < n) {
      int j = i;
      while (j + 1 < n && scores[boxed[j + 1]] == scores[boxed[i]]) {
        j++;
      }
      double avgRank = (i + j) / 2.0 + 1;
      for (int k = i; k <= j; k++) {
        if (positive[boxed[k]]) {
          rankSum += avgRank;
        }
      }
      i = j + 1;
    }
    return (rankSum - pos * (pos + 1) / 2.0) / ((double) pos * neg);
  }
}
