package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import dev.kiln.ops.train.Adam;
import org.junit.jupiter.api.Test;

/**
 * {@code kiln bench}'s three modes run on the Java backend and report positive rates and their ratios; its turns
 * answer each request with one ms/step line and refuse a malformed one. A Keras model's step (the competitors'
 * starter MLP: rows, five targets, Adam) runs in every mode too, and a model whose units do not match its targets is
 * refused.
 */
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

  @Test
  void turnsAnswerEachRequestWithOneTiming() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    Bench.serveTurns("java", null, 64, 1, 0, new BufferedReader(new StringReader("2\n1\n")), out,
        new PrintStream(new ByteArrayOutputStream()));
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals(3, lines.size(), lines.toString());
    assertEquals("ready", lines.get(0));
    for (String l : lines.subList(1, 3)) assertTrue(Double.parseDouble(l) > 0, l);
  }

  @Test
  void aTurnThatIsNotAStepCountIsRefused() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Bench.serveTurns("java", null,
        64, 0, 0, new BufferedReader(new StringReader("two\n")), new PrintStream(bytes), quiet));
    assertTrue(e.getMessage().contains("'two'"), e.getMessage());
    assertEquals("ready", bytes.toString().strip());
  }

  private static final List<String> FIVE = List.of("resp_1", "resp_2", "resp_3", "resp", "resp_4");

  private static Path starter() {
    return Path.of("").toAbsolutePath().getParent().resolve("ops/src/test/resources/keras/starter_mlp.json");
  }

  @Test
  void aKerasModelsStepRunsOnRowsAndItsTargetsInEveryMode() throws Exception {
    BenchStep step = BenchStep.of(starter(), FIVE, Adam.keras());
    assertEquals(1, step.window());
    assertTrue(step.optimization().rule() instanceof Adam, String.valueOf(step.optimization().describe()));
    List<Bench.Figures> f = Bench.run(step, "java", null, 64, 2, 1, 1, 0, false, null,
        new PrintStream(new ByteArrayOutputStream()));
    assertEquals(3, f.size());
    for (Bench.Figures x : f) assertTrue(x.msPerStep() > 0 && x.samplesPerSecond() > 0, x.toString());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Bench.serveTurns(step, "java", null, 64, 1, 0, new BufferedReader(new StringReader("1\n")),
        new PrintStream(bytes, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()));
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals("ready", lines.get(0));
    assertTrue(Double.parseDouble(lines.get(1)) > 0, lines.toString());
  }

  /** A model with several outputs times the step kiln train builds: each output's loss, the total minimized. */
  @Test
  void theAutoencodersStepRunsWithItsLosses() throws Exception {
    Path ae = starter().resolveSibling("autoencoder.json");
    dev.kiln.ops.train.LossSpec mse = new dev.kiln.ops.train.LossSpec(java.util.Map.of("decoder",
        dev.kiln.ops.train.Losses.Kind.MSE), java.util.Map.of(), 0, null);
    BenchStep step = BenchStep.of(ae, FIVE, Adam.keras(), mse, List.of());
    assertEquals(List.of("decoder", "ae_action", "action"), step.losses().heads().stream()
        .map(dev.kiln.ops.train.Losses.Head::name).toList());
    List<Bench.Figures> f = Bench.run(step, "java", null, 64, 2, 1, 1, 0, true, null,
        new PrintStream(new ByteArrayOutputStream()));
    assertEquals(1, f.size());
    assertTrue(f.get(0).msPerStep() > 0, f.toString());
    assertEquals("output 'decoder' is linear and has no loss: give --loss decoder=mse (or mae), a reconstruction of "
        + "the input features", assertThrows(IllegalArgumentException.class, () -> BenchStep.of(ae, FIVE,
            Adam.keras())).getMessage());
  }

  @Test
  void aModelWhoseUnitsDoNotMatchItsTargetsIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BenchStep.of(starter(), List.of("resp"), Adam.keras()));
    assertTrue(e.getMessage().contains("5 sigmoid units"), e.getMessage());
  }
}
