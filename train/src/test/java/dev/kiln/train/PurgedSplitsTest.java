package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The purged splits against splits computed by hand from PurgedGroupTimeSeriesSplit's rule (the same cases are
 * checked against a transcription of the reference in scripts/purged_split_check.py).
 */
class PurgedSplitsTest {
  private static int[] range(int n) {
    return IntStream.range(0, n).toArray();
  }

  private static PurgedSplits.Split split(int k, int t0, int t1, int tn, int v0, int v1, int vn) {
    return new PurgedSplits.Split(k, t0, t1, tn, v0, v1, vn);
  }

  private static final int ALL = PurgedSplits.UNLIMITED;

  @Test
  void twentyDatesInThreeSplitsWithAGapOfTwo() {
    // 20 dates, 4 blocks of 5: validation starts at 5, 10, 15; training stops 2 dates short of each.
    assertEquals(List.of(split(0, 0, 2, 3, 5, 9, 5), split(1, 0, 7, 8, 10, 14, 5), split(2, 0, 12, 13, 15, 19, 5)),
        PurgedSplits.of(range(20), 3, 2, ALL, ALL));
  }

  @Test
  void maxTrainDatesKeepsTheLastOnesBeforeTheGap() {
    assertEquals(List.of(split(0, 0, 2, 3, 5, 9, 5), split(1, 4, 7, 4, 10, 14, 5), split(2, 9, 12, 4, 15, 19, 5)),
        PurgedSplits.of(range(20), 3, 2, 4, ALL));
  }

  @Test
  void maxValidDatesShrinksTheBlocksAtTheEnd() {
    // Blocks of min(20 // 4, 3) = 3 dates: the last 9 dates, from 11.
    assertEquals(List.of(split(0, 0, 10, 11, 11, 13, 3), split(1, 0, 13, 14, 14, 16, 3),
        split(2, 0, 16, 17, 17, 19, 3)), PurgedSplits.of(range(20), 3, 0, ALL, 3));
  }

  @Test
  void datesWithHolesAreCountedAsGroupsNotAsDays() {
    int[] dates = {3, 4, 7, 8, 10, 11, 15, 20, 21, 30};
    // 10 groups, 3 blocks of 3: validation from group 4 (date 10) and group 7 (date 20); gap 1 group.
    assertEquals(List.of(split(0, 3, 7, 3, 10, 15, 3), split(1, 3, 11, 6, 20, 30, 3)),
        PurgedSplits.of(dates, 2, 1, ALL, ALL));
  }

  @Test
  void theJaneStreetDatesInFiveSplitsWithAGapOf31() {
    List<PurgedSplits.Split> s = PurgedSplits.of(range(500), 5, 31, ALL, ALL);
    // 500 // 6 = 83 dates per block, the last 415 from date 85.
    assertEquals(split(0, 0, 53, 54, 85, 167, 83), s.get(0));
    assertEquals(split(4, 0, 385, 386, 417, 499, 83), s.get(4));
    // As the competitors trained: dates after 85 only (414 dates, blocks of 69 from the 70th date, 155).
    assertEquals(split(0, 86, 123, 38, 155, 223, 69),
        PurgedSplits.of(IntStream.range(86, 500).toArray(), 5, 31, ALL, ALL).get(0));
  }

  @Test
  void misuseIsOneClearLine() {
    assertEquals("--splits must be at least 2, got 1", message(() -> PurgedSplits.of(range(20), 1, 0, ALL, ALL)));
    assertEquals("--gap must be 0 or more dates, got -1", message(() -> PurgedSplits.of(range(20), 2, -1, ALL, ALL)));
    assertEquals("--max-train-dates must be at least 1, got 0", message(() -> PurgedSplits.check(2, 0, 0, ALL)));
    assertEquals("--max-valid-dates must be at least 1, got 0", message(() -> PurgedSplits.check(2, 0, ALL, 0)));
    assertEquals("too few dates: 3 distinct dates cannot make 4 blocks for --splits 3",
        message(() -> PurgedSplits.of(range(3), 3, 0, ALL, ALL)));
    assertEquals("too few dates: with 20 distinct dates, --splits 3 (5 validation dates each) and --gap 5 leave the "
        + "first split no training date", message(() -> PurgedSplits.of(range(20), 3, 5, ALL, ALL)));
    // One training date is enough.
    assertEquals(split(0, 0, 0, 1, 5, 9, 5), PurgedSplits.of(range(20), 3, 4, ALL, ALL).get(0));
  }

  private static String message(org.junit.jupiter.api.function.Executable e) {
    return assertThrows(IllegalArgumentException.class, e).getMessage();
  }
}
