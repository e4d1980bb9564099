package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code kiln bench}'s three modes run on the Java backend and report positive rates and their ratios. */
class BenchTest {
  @Test
  void threeModesRunAndReportRatiosToTheResidentBatch() throws Exception {
    List<Bench.Figures> f = Bench.run("java", null, 64, 4, 2, 1, 0, new PrintStream(new ByteArrayOutputStream()));
    assertEquals(List.of("resident batch", "pipeline-fed", "device-resident data"),
        f.stream().map(Bench.Figures::mode).toList());
    for (Bench.Figures x : f) assertTrue(x.msPerStep() > 0 && x.samplesPerSecond() > 0, x.toString());
    String table = Bench.table(f);
    assertTrue(table.lines().skip(1).allMatch(l -> l.matches(".*\\s\\d+\\.\\d{3}$")), table);
    assertTrue(table.lines().skip(1).findFirst().orElseThrow().endsWith("1.000"), table);
  }
}
