package dev.kiln.ops.metrics;

import java.util.HashMap;
import java.util.Map;

/**
 * The Jane Street competition's utility score, the number the competition ranked submissions by (the notebook itself
 * never computes it; Kiln reports it beside the Keras metrics so a run can be judged the way the competition did).
 *
 * <p>For each date i, p_i = Σ_j weight_ij · resp_ij · action_ij; t = (Σ p_i / sqrt(Σ p_i²)) · sqrt(250 / |i|) with
 * |i| the number of distinct dates in the input (dates on which no action was taken count too);
 * u = min(max(t, 0), 6) · Σ p_i. When Σ p_i² = 0 (no action taken, or every traded row has weight or resp 0) t is
 * undefined and the score is 0, as it is for empty input. Products and sums are taken in double precision.
 */
public final class UtilityScore {
  private UtilityScore() {}

  /**
   * The utility of taking {@code action[j]} on row j, for rows with the given date, weight and resp.
   *
   * @throws IllegalArgumentException when the arrays differ in length or a weight or resp is NaN or infinite
   */
  public static double compute(int[] date, float[] weight, float[] resp, boolean[] action) {
    if (date == null || weight == null || resp == null || action == null) {
      throw new IllegalArgumentException("date, weight, resp and action must all be given");
    }
    int n = date.length;
    if (weight.length != n || resp.length != n || action.length != n) {
      throw new IllegalArgumentException("date, weight, resp and action differ in length: " + n + ", "
          + weight.length + ", " + resp.length + ", " + action.length);
    }
    Map<Integer, double[]> perDate = new HashMap<>();
    for (int j = 0; j < n; j++) {
      if (!Float.isFinite(weight[j]) || !Float.isFinite(resp[j])) {
        throw new IllegalArgumentException("row " + j + " has weight " + weight[j] + " and resp " + resp[j]
            + "; both must be finite");
      }
      double[] p = perDate.computeIfAbsent(date[j], d -> new double[1]);
      if (action[j]) {
        p[0] += (double) weight[j] * (double) resp[j];
      }
    }
    double sum = 0;
    double sumSquares = 0;
    for (double[] p : perDate.values()) {
      sum += p[0];
      sumSquares += p[0] * p[0];
    }
    if (sumSquares == 0) {
      return 0;
    }
    double t = sum / Math.sqrt(sumSquares) * Math.sqrt(250.0 / perDate.size());
    if (!(t > 0)) {
      return 0; // clipped to 0; returned as +0.0 rather than 0 · (negative Σp) = -0.0
    }
    return Math.min(t, 6) * sum;
  }
}
