package dev.kiln.io.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ColumnsAndStatsTest {
  @TempDir Path dir;

  @Test
  void standardColumnsFollowTrainCsv() {
    Columns c = Columns.standard();
    assertEquals(138, c.count());
    assertEquals(0, c.date());
    assertEquals(1, c.weight());
    assertEquals(2, c.indexOf("resp_1"));
    assertEquals(5, c.indexOf("resp_4"));
    assertEquals(6, c.resp());
    assertEquals(7, c.feature0());
    assertEquals(136, c.indexOf("feature_129"));
    assertEquals(137, c.tsId());
  }

  @Test
  void columnsRoundTripThroughJson() throws IOException {
    Path f = dir.resolve("columns.json");
    Columns.standard().write(f);
    String text = Files.readString(f);
    assertTrue(text.startsWith("{\"date\":0,\"weight\":1,\"resp_1\":2,"), text);
    assertEquals(Columns.standard(), Columns.read(f));
  }

  @Test
  void rejectsNonContiguousFeatures() {
    List<String> names = new ArrayList<>(Columns.standardNames());
    names.set(50, "feature_200");
    names.add("feature_43");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Columns.of(names));
    assertEquals("feature columns must be contiguous: feature_43 is column 138, expected 50", e.getMessage());
  }

  @Test
  void rejectsAColumnMapWithoutResp() throws IOException {
    Path f = dir.resolve("columns.json");
    Files.writeString(f, "{\"date\":0,\"weight\":1}");
    IOException e = assertThrows(IOException.class, () -> Columns.read(f));
    assertEquals(f + ": column map has no 'resp' column", e.getMessage());
    Files.writeString(f, "[1,2");
    IOException g = assertThrows(IOException.class, () -> Columns.read(f));
    assertTrue(g.getMessage().startsWith(f + ": not a column map"), g.getMessage());
  }

  @Test
  void statsHoldTheRowsOfTheOtherFolds() throws IOException {
    DatasetStats s = DatasetStats.fromFoldRows(Map.of(0, 10L, 1, 20L, 2, 30L));
    assertEquals(50, s.length(0));
    assertEquals(40, s.length(1));
    assertEquals(30, s.length(2));
    Path f = dir.resolve("stats.json");
    s.write(f);
    assertEquals("{\"0\":{\"length\":50},\"1\":{\"length\":40},\"2\":{\"length\":30}}", Files.readString(f));
    assertEquals(s.lengths(), DatasetStats.read(f).lengths());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.length(7));
    assertEquals("stats.json has no fold 7 (it has [0, 1, 2])", e.getMessage());
  }

  @Test
  void rejectsStatsWithoutLength() throws IOException {
    Path f = dir.resolve("stats.json");
    Files.writeString(f, "{\"0\":{\"len\":5}}");
    IOException e = assertThrows(IOException.class, () -> DatasetStats.read(f));
    assertEquals(f + ": fold 0's \"length\" must be a non-negative whole number of rows, got none", e.getMessage());
  }

  @Test
  void rejectsFractionalAndNegativeLengths() throws IOException {
    Path f = dir.resolve("stats.json");
    for (String len : List.of("12.7", "-3", "1e3", "\"12\"", "18446744073709551616")) {
      Files.writeString(f, "{\"0\":{\"length\":" + len + "}}");
      IOException e = assertThrows(IOException.class, () -> DatasetStats.read(f), len);
      assertTrue(e.getMessage().contains("must be a non-negative whole number of rows"), e.getMessage());
    }
  }

  @Test
  void stepsPerEpochAreComputedInLongAndRefusedBeyondAnInt() throws IOException {
    Path f = dir.resolve("stats.json");
    Files.writeString(f, "{\"0\":{\"length\":549755813888},\"1\":{\"length\":10}}");
    DatasetStats s = DatasetStats.read(f);
    assertEquals(1, s.stepsPerEpoch(1, 64), "fewer rows than a batch still make one step");
    assertEquals(134217728, s.stepsPerEpoch(0, 4096));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.stepsPerEpoch(0, 64));
    assertTrue(e.getMessage().contains("gives 8589934592 steps of 64 per epoch") && e.getMessage().contains(
        "--steps-per-epoch"), e.getMessage());
  }
}
