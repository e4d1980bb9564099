package dev.kiln.train.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CurvesTest {
  private static final double EPS = 1e-15;

  private static double[] f(float... v) {
    double[] d = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      d[i] = v[i];
    }
    return d;
  }

  @Test
  void precisionRecallOfTheScikitLearnDocExample() {
    // sklearn's docstring: precision [0.5, 0.667, 0.5, 1, 1], recall [1, 1, 0.5, 0.5, 0], thresholds increasing.
    Curves.PrecisionRecall pr = Curves.precisionRecall(new float[] {0.1f, 0.4f, 0.35f, 0.8f},
        new float[] {0, 0, 1, 1});
    assertArrayEquals(new double[] {0.5, 2.0 / 3, 0.5, 1, 1}, pr.precision(), EPS);
    assertArrayEquals(new double[] {1, 1, 0.5, 0.5, 0}, pr.recall(), EPS);
    assertArrayEquals(f(0.1f, 0.35f, 0.4f, 0.8f), pr.thresholds(), 0);
  }

  @Test
  void rocOfTheScikitLearnDocExample() {
    Curves.Roc roc = Curves.roc(new float[] {0.1f, 0.4f, 0.35f, 0.8f}, new float[] {0, 0, 1, 1});
    assertArrayEquals(new double[] {0, 0, 0.5, 0.5, 1}, roc.fpr(), EPS);
    assertArrayEquals(new double[] {0, 0.5, 0.5, 1, 1}, roc.tpr(), EPS);
    assertArrayEquals(new double[] {Double.POSITIVE_INFINITY, 0.8f, 0.4f, 0.35f, 0.1f}, roc.thresholds(), 0);
  }

  // Scores with a tie and a 0.5 label (positive). By decreasing distinct score:
  //   0.9: tp 1 fp 0 | 0.8 (labels 0.5 and 0): tp 2 fp 1 | 0.7: tp 3 fp 1 | 0.6: tp 4 fp 1 | 0.5: tp 4 fp 2
  //   | 0.3: tp 4 fp 3. Positives 4, negatives 3.
  private static final float[] TIES = {0.7f, 0.8f, 0.3f, 0.9f, 0.6f, 0.8f, 0.5f};
  private static final float[] TIES_LABELS = {1, 0.5f, 0, 1, 1, 0, 0};

  @Test
  void precisionRecallWithTiesAndHalfLabels() {
    Curves.PrecisionRecall pr = Curves.precisionRecall(TIES, TIES_LABELS);
    assertArrayEquals(new double[] {4.0 / 7, 4.0 / 6, 4.0 / 5, 3.0 / 4, 2.0 / 3, 1, 1}, pr.precision(), EPS);
    assertArrayEquals(new double[] {1, 1, 1, 0.75, 0.5, 0.25, 0}, pr.recall(), EPS);
    assertArrayEquals(f(0.3f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f), pr.thresholds(), 0);
  }

  @Test
  void rocDropsCollinearIntermediatePoints() {
    // Points (fp, tp): (0,1) (1,2) (1,3) (1,4) (2,4) (3,4). (1,3) lies between (1,2) and (1,4), (2,4) between (1,4)
    // and (3,4): both are dropped.
    Curves.Roc roc = Curves.roc(TIES, TIES_LABELS);
    assertArrayEquals(new double[] {0, 0, 1.0 / 3, 1.0 / 3, 1}, roc.fpr(), EPS);
    assertArrayEquals(new double[] {0, 0.25, 0.5, 1, 1}, roc.tpr(), EPS);
    assertArrayEquals(new double[] {Double.POSITIVE_INFINITY, 0.9f, 0.8f, 0.6f, 0.3f}, roc.thresholds(), 0);
  }

  @Test
  void negativeScoresAndSignedZerosSortNumerically() {
    Curves.PrecisionRecall pr = Curves.precisionRecall(new float[] {-1f, -2f, 3f, 0f, -0f},
        new float[] {0, 1, 1, 1, 0});
    // Decreasing: 3 (pos): tp1 fp0 | ±0 (pos, neg): tp2 fp1 | -1 (neg): tp2 fp2 | -2 (pos): tp3 fp2.
    assertArrayEquals(f(-2f, -1f, 0f, 3f), pr.thresholds(), 0);
    assertArrayEquals(new double[] {3.0 / 5, 2.0 / 4, 2.0 / 3, 1, 1}, pr.precision(), EPS);
    assertArrayEquals(new double[] {1, 2.0 / 3, 2.0 / 3, 1.0 / 3, 0}, pr.recall(), EPS);
  }

  @Test
  void curvesWithASingleClass() {
    Curves.PrecisionRecall pr = Curves.precisionRecall(new float[] {0.2f, 0.6f}, new float[] {0, 0});
    assertArrayEquals(new double[] {0, 0, 1}, pr.precision(), 0);
    assertArrayEquals(new double[] {1, 1, 0}, pr.recall(), 0);

    Curves.Roc noPositives = Curves.roc(new float[] {0.2f, 0.6f}, new float[] {0, 0});
    assertArrayEquals(new double[] {0, 0.5, 1}, noPositives.fpr(), EPS);
    assertTrue(Arrays.stream(noPositives.tpr()).allMatch(Double::isNaN));

    Curves.Roc noNegatives = Curves.roc(new float[] {0.2f, 0.6f}, new float[] {1, 0.5f});
    assertTrue(Arrays.stream(noNegatives.fpr()).allMatch(Double::isNaN));
    assertArrayEquals(new double[] {0, 0.5, 1}, noNegatives.tpr(), EPS);
  }

  @Test
  void precisionRecallAgreesWithTheDefinitionOnRandomData() {
    Random rnd = new Random(7);
    int n = 2000;
    float[] scores = new float[n];
    float[] labels = new float[n];
    for (int i = 0; i < n; i++) {
      scores[i] = rnd.nextInt(300) / 299f; // many ties
      labels[i] = rnd.nextInt(3) / 2f; // 0, 0.5 or 1
    }
    Curves.PrecisionRecall pr = Curves.precisionRecall(scores, labels);
    Curves.Roc roc = Curves.roc(scores, labels);
    long positives = 0;
    for (float y : labels) {
      positives += y > 0 ? 1 : 0;
    }
    double[] t = pr.thresholds();
    assertEquals(t.length + 1, pr.precision().length);
    assertEquals(1.0, pr.precision()[t.length]);
    assertEquals(0.0, pr.recall()[t.length]);
    for (int i = 0; i < t.length; i++) {
      if (i > 0) {
        assertTrue(t[i] > t[i - 1], "thresholds strictly increase");
      }
      long tp = 0;
      long predicted = 0;
      for (int j = 0; j < n; j++) {
        if (scores[j] >= t[i]) {
          predicted++;
          tp += labels[j] > 0 ? 1 : 0;
        }
      }
      assertEquals((double) tp / predicted, pr.precision()[i], EPS);
      assertEquals((double) tp / positives, pr.recall()[i], EPS);
    }
    // Every ROC point is the rate pair of its threshold, and the thresholds strictly decrease.
    for (int i = 1; i < roc.thresholds().length; i++) {
      double th = roc.thresholds()[i];
      assertTrue(th < roc.thresholds()[i - 1]);
      long tp = 0;
      long fp = 0;
      for (int j = 0; j < n; j++) {
        if (scores[j] >= th) {
          if (labels[j] > 0) {
            tp++;
          } else {
            fp++;
          }
        }
      }
      assertEquals((double) tp / positives, roc.tpr()[i], EPS);
      assertEquals((double) fp / (n - positives), roc.fpr()[i], EPS);
    }
    assertEquals(1.0, roc.tpr()[roc.tpr().length - 1]);
    assertEquals(1.0, roc.fpr()[roc.fpr().length - 1]);
  }

  @Test
  void badInputIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> Curves.roc(new float[2], new float[3]));
    assertThrows(IllegalArgumentException.class, () -> Curves.precisionRecall(new float[0], new float[0]));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Curves.roc(new float[] {0.1f, Float.NaN}, new float[] {0, 1}));
    assertTrue(e.getMessage().contains("score 1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Curves.precisionRecall(new float[] {0.1f, 0.2f}, new float[] {2, 1}));
    assertTrue(e.getMessage().contains("label 0"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> Curves.precisionRecall(new float[] {0.1f}, new float[] {Float.NaN}));
    assertThrows(IllegalArgumentException.class, () -> Curves.roc(null, new float[0]));
  }
}
