package dev.kiln.ops.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UtilityScoreTest {

  @Test
  void scoreBetweenTheClipsIsTTimesSum() {
    // Date 7: 2·1 + 1·1 = 3 (the row without action is ignored); date 3: 4·(-0.5) = -2.
    // Σp = 1, Σp² = 13, |i| = 2: t = (1/√13)·√125, u = t·1.
    int[] date = {7, 3, 7, 7};
    float[] weight = {2f, 4f, 1f, 10f};
    float[] resp = {1f, -0.5f, 1f, 1f};
    boolean[] action = {true, true, true, false};
    assertEquals(Math.sqrt(125.0 / 13.0), UtilityScore.compute(date, weight, resp, action), 1e-12);
  }

  @Test
  void datesWithoutActionStillCountInTheNumberOfDates() {
    // As above plus a third date on which nothing is traded: |i| = 3, t = (1/√13)·√(250/3).
    int[] date = {7, 3, 7, 7, 9};
    float[] weight = {2f, 4f, 1f, 10f, 5f};
    float[] resp = {1f, -0.5f, 1f, 1f, 1f};
    boolean[] action = {true, true, true, false, false};
    assertEquals(Math.sqrt(250.0 / 3.0 / 13.0), UtilityScore.compute(date, weight, resp, action), 1e-12);
  }

  @Test
  void largeTIsClippedAtSix() {
    // p = (2, 1): Σp = 3, Σp² = 5, t = 3/√5 · √125 = 15 → clipped to 6, u = 18.
    int[] date = {0, 1};
    float[] weight = {1f, 0.5f};
    float[] resp = {2f, 2f};
    boolean[] action = {true, true};
    assertEquals(18.0, UtilityScore.compute(date, weight, resp, action), 1e-12);
  }

  @Test
  void negativeTotalScoresZero() {
    // p = (-3, 2): Σp = -1 < 0, so t < 0 is clipped to 0.
    int[] date = {0, 1};
    float[] weight = {3f, 2f};
    float[] resp = {-1f, 1f};
    boolean[] action = {true, true};
    assertEquals(0.0, UtilityScore.compute(date, weight, resp, action));
  }

  @Test
  void degenerateInputsScoreZero() {
    assertEquals(0.0, UtilityScore.compute(new int[] {0, 1}, new float[] {1f, 1f}, new float[] {1f, -1f},
        new boolean[] {false, false}));
    assertEquals(0.0, UtilityScore.compute(new int[] {0}, new float[] {0f}, new float[] {1f},
        new boolean[] {true}));
    assertEquals(0.0, UtilityScore.compute(new int[0], new float[0], new float[0], new boolean[0]));
  }

  @Test
  void badInputIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> UtilityScore.compute(new int[2], new float[2], new float[1], new boolean[2]));
    assertTrue(e.getMessage().contains("differ in length"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> UtilityScore.compute(new int[2], new float[2],
        new float[] {0f, Float.NaN}, new boolean[2]));
    assertTrue(e.getMessage().contains("row 1"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> UtilityScore.compute(null, new float[0], new float[0], new boolean[0]));
  }
}
