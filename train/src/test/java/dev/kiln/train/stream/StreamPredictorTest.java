package dev.kiln.train.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The streaming predictor against {@code kiln predict} on {@link StreamFixture}'s holdout, replayed row by row. */
class StreamPredictorTest {
  static final int WINDOW = StreamFixture.WINDOW;
  static final float FILL = StreamFixture.FILL;

  @TempDir
  static Path shared;

  static StreamFixture fx;

  @BeforeAll
  static void trainAndPredict() throws IOException {
    fx = StreamFixture.make(shared);
  }

  static StreamPredictor open() throws IOException {
    return fx.open();
  }

  @Test
  void everyCompleteWindowGivesPredictsProbability() throws IOException {
    checkParity(fx, shared.resolve("actions.csv"));
  }

  @Test
  void anotherWindowLengthToo(@TempDir Path dir) throws IOException {
    StreamFixture seven = StreamFixture.make(dir, 7);
    try (StreamPredictor p = seven.open()) {
      assertEquals(7, p.window());
    }
    checkParity(seven, dir.resolve("actions.csv"));
  }

  @Test
  void theGraphEngineGivesThePlansAnswers() throws IOException {
    List<String> lines = Files.readAllLines(fx.testCsv());
    TestSchema schema = TestSchema.ofHeader(lines.get(0), 130);
    TestRow row = new TestRow(130);
    try (StreamPredictor plan = open();
        StreamPredictor graph = StreamPredictor.open(fx.run(), new StreamPredictor.Options(FILL, false, "graph"))) {
      assertEquals(List.of("graph"), graph.describe());
      assertEquals(5, plan.describe().size(), "the seed's plan: " + plan.describe());
      for (String line : lines.subList(1, lines.size())) {
        schema.parse(line, row);
        float[] a = plan.predict(row.date(), row.weight(), row.features(), row.tsId()).probabilities();
        float[] b = graph.predict(row.date(), row.weight(), row.features(), row.tsId()).probabilities();
        assertEquals(b[0], a[0], 1e-5, "ts_id " + row.tsId());
      }
    }
  }

  @Test
  void aRowModelAnswersEachRowAsPredictDoes(@TempDir Path dir) throws IOException {
    Map<Long, float[]> want = new HashMap<>();
    StreamFixture rows = StreamFixture.rows(dir, want);
    Path out = dir.resolve("actions.csv");
    try (StreamPredictor p = rows.open()) {
      assertEquals(1, p.window());
      assertEquals(5, p.units());
      Replay.run(p, rows.testCsv(), out, new PrintStream(new ByteArrayOutputStream()));
    }
    checkUnits(want, out);
  }

  /**
   * A model with several outputs answers its action output (the run's, recorded in metrics.json) as predict gives
   * it, or the sigmoid output asked for; a linear output, or the flag on a model with one output, is refused.
   */
  @Test
  void aModelWithSeveralOutputsAnswersItsActionOutput(@TempDir Path dir) throws IOException {
    Map<String, Map<Long, float[]>> want = new HashMap<>();
    StreamFixture ae = StreamFixture.autoencoder(dir, want);
    for (String output : List.of("action", "ae_action")) {
      Path out = dir.resolve(output + ".csv");
      String asked = output.equals("action") ? null : output;
      try (StreamPredictor p = StreamPredictor.open(ae.run(), new StreamPredictor.Options(null, false, "plan", asked))) {
        assertEquals(5, p.units());
        assertEquals("output '" + output + "' of [decoder, ae_action, action] ("
            + (asked == null ? "the run's action output" : "--action-output") + ")", p.outputNote());
        Replay.run(p, ae.testCsv(), out, new PrintStream(new ByteArrayOutputStream()));
      }
      checkUnits(want.get(output), out);
    }
    assertEquals("--action-output decoder is not a sigmoid output; the action is taken on probabilities (the sigmoid "
        + "outputs: [ae_action, action])", assertThrows(IllegalArgumentException.class, () -> StreamPredictor.open(
            ae.run(), new StreamPredictor.Options(null, false, "plan", "decoder"))).getMessage());
    assertEquals("--action-output is for a model with several outputs; this one has one", assertThrows(
        IllegalArgumentException.class, () -> StreamPredictor.open(fx.run(), new StreamPredictor.Options(FILL, false,
            "plan", "action"))).getMessage());
  }

  /** Each line of a replay's output against predict's five probabilities of its ts_id, and the action rule. */
  private static void checkUnits(Map<Long, float[]> want, Path out) throws IOException {
    List<String> lines = Files.readAllLines(out);
    assertEquals(Replay.header(5).strip(), lines.get(0));
    assertEquals(want.size(), lines.size() - 1, "a line per holdout row");
    for (String line : lines.subList(1, lines.size())) {
      String[] c = line.split(",");
      float[] p = want.get(Long.parseLong(c[0]));
      double mean = 0;
      for (int j = 0; j < 5; j++) {
        assertEquals(p[j], Float.parseFloat(c[1 + j]), 1e-5, "ts_id " + c[0] + " unit " + j);
        mean += p[j] / 5;
      }
      assertEquals(mean > 0.5 ? 1 : 0, Integer.parseInt(c[6]), line);
    }
  }

  @Test
  void missingFeaturesGetTheFillTheTrainingDataRecorded(@TempDir Path dir) throws IOException {
    Path data = dir.resolve("data"), run = dir.resolve("run");
    dev.kiln.io.dataset.SyntheticMarket.generate(data,
        new dev.kiln.io.dataset.SyntheticMarket.Settings(5, 40, 3, 5, 1, -7f, 1.0, 5), null);
    new dev.kiln.train.Trainer(new dev.kiln.train.TrainOptions(data, run, 1, 32, 0.02, 0.9, 5, 4, 5, 0.1, 42, "java",
        null, 2, 0, 0, false, false), new PrintStream(new ByteArrayOutputStream())).run();
    float[] nan = new float[130], filled = new float[130];
    java.util.Arrays.fill(nan, Float.NaN);
    java.util.Arrays.fill(filled, -7f);
    try (StreamPredictor p = StreamPredictor.open(run, StreamPredictor.Options.defaults())) {
      assertEquals("-7.0 (the training data's)", p.nanFillNote());
      float a = p.predict(1, 1f, nan, 1).probabilities()[0];
      float b = p.predict(2, 1f, filled, 2).probabilities()[0];
      assertEquals(b, a, 0f, "NaN answered as the recorded fill");
    }
    try (StreamPredictor p = StreamPredictor.open(run, new StreamPredictor.Options(-100f, false, "plan"))) {
      assertEquals("-100.0 (--nan-fill; the training data was filled with -7.0)", p.nanFillNote());
    }
  }

  /** 100,000 rows over dates of 500: the heap after a collection is where it was after the first 10,000. */
  @Test
  void memoryStaysFlatOverAHundredThousandRows() {
    dev.kiln.ops.Model m = dev.kiln.ops.Model.seed(5, 130, 0.1);
    var vars = dev.kiln.ops.train.StepGraphs.initialState(m, 1, Map.of());
    java.util.Random r = new java.util.Random(3);
    float[][] rows = new float[64][130];
    for (float[] row : rows) for (int j = 0; j < 130; j++) row[j] = r.nextInt(30) == 0 ? Float.NaN : (float) r.nextGaussian();
    float[] out = new float[1];
    try (StreamPredictor p = StreamPredictor.of(m, vars, StreamPredictor.Options.defaults())) {
      for (int i = 0; i < 10_000; i++) p.predict(i / 500, 1f, rows[i & 63], out);
      long base = usedAfterGc();
      for (int i = 10_000; i < 100_000; i++) p.predict(i / 500, 1f, rows[i & 63], out);
      long end = usedAfterGc();
      assertTrue(end - base < (4 << 20), "heap grew by " + (end - base) + " bytes over 90,000 rows");
      assertTrue(Float.isFinite(out[0]));
    }
  }

  private static long usedAfterGc() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) System.gc();
    return rt.totalMemory() - rt.freeMemory();
  }

  @Test
  void theActionIsTheMeanProbabilityAboveOneHalf() {
    assertEquals(1, StreamPredictor.action(new float[] {0.51f}));
    assertEquals(0, StreamPredictor.action(new float[] {0.5f}));
    assertEquals(0, StreamPredictor.action(new float[] {0.9f, 0.2f, 0.3f}));
    assertEquals(1, StreamPredictor.action(new float[] {0.9f, 0.2f, 0.5f}));
    assertEquals("ts_id,probability_0,probability_1,probability_2,action\n", Replay.header(3));
  }

  static void checkParity(StreamFixture fixture, Path out) throws IOException {
    checkParity(fixture, fixture.testCsv(), out);
    checkParity(fixture, fixture.reorderedCsv(), out);
  }

  static void checkParity(StreamFixture fixture, Path csv, Path out) throws IOException {
    assertTrue(Files.readString(csv).contains(",,"), "the holdout has missing values to fill");
    try (StreamPredictor p = fixture.open()) {
      Replay.Result r = Replay.run(p, csv, out, new PrintStream(new ByteArrayOutputStream()));
      assertEquals(Files.readAllLines(csv).size() - 1, r.rows());
    }
    List<String> lines = Files.readAllLines(out);
    assertEquals("ts_id,probability,action", lines.get(0));
    int matched = 0;
    java.util.Set<Float> distinct = new java.util.HashSet<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] c = line.split(",");
      float prob = Float.parseFloat(c[1]);
      assertEquals(prob > 0.5f ? 1 : 0, Integer.parseInt(c[2]), "action of " + line);
      Float want = fixture.predicted().get(Long.parseLong(c[0]));
      if (want != null) {
        assertEquals(want, prob, 1e-5, "ts_id " + c[0]);
        matched++;
        distinct.add(prob);
      }
    }
    assertEquals(fixture.predicted().size(), matched, "every window predict gave is answered");
    assertTrue(matched > 50, "windows compared: " + matched);
    // The comparison means something only if the model's answers vary from window to window.
    assertTrue(distinct.size() > matched / 2, distinct.size() + " distinct probabilities: " + distinct);
  }

  @Test
  void aDatesFirstRowsRepeatItsFirstRowAndANewDateStartsAfresh() throws IOException {
    List<String> lines = Files.readAllLines(fx.testCsv());
    TestSchema schema = TestSchema.ofHeader(lines.get(0), 130);
    TestRow first = new TestRow(130), second = new TestRow(130);
    schema.parse(lines.get(1), first);
    schema.parse(lines.get(2), second);
    assertEquals(first.date(), second.date(), "the first two rows share a date");
    try (StreamPredictor p = open()) {
      StreamPredictor.Prediction one = p.predict(first.date(), first.weight(), first.features(), first.tsId());
      StreamPredictor.Prediction two = p.predict(second.date(), second.weight(), second.features(), second.tsId());
      assertFalse(one.windowFull());
      // W copies of the first row on a fresh date: the window the padding policy built for the first row.
      StreamPredictor.Prediction copies = null;
      for (int k = 0; k < WINDOW; k++) copies = p.predict(first.date() + 1000, 1f, first.features(), k);
      assertTrue(copies.windowFull());
      assertEquals(one.probabilities()[0], copies.probabilities()[0], 1e-6);
      // A date going back is flagged and answered from a fresh window, as the first row was.
      StreamPredictor.Prediction back = p.predict(first.date(), first.weight(), first.features(), first.tsId());
      assertTrue(back.outOfOrder());
      assertEquals(one.probabilities()[0], back.probabilities()[0], 1e-6);
      // The second row's window: the first row W-1 times, then the second.
      for (int k = 0; k < WINDOW - 1; k++) p.predict(first.date() + 2000, 1f, first.features(), k);
      StreamPredictor.Prediction padded = p.predict(first.date() + 2000, 1f, second.features(), WINDOW);
      assertTrue(padded.windowFull());
      assertEquals(two.probabilities()[0], padded.probabilities()[0], 1e-6);
    }
  }

  @Test
  void zeroWeightRowsSkipTheModelOnlyWhenAsked() throws IOException {
    float[] x = new float[130];
    try (StreamPredictor p = StreamPredictor.open(fx.run(), new StreamPredictor.Options(FILL, true, "plan"))) {
      StreamPredictor.Prediction r = p.predict(1, 0f, x, 7);
      assertEquals(0, r.action());
      assertTrue(Float.isNaN(r.probabilities()[0]));
      assertFalse(Float.isNaN(p.predict(1, 0.5f, x, 8).probabilities()[0]));
    }
    try (StreamPredictor p = open()) {
      assertFalse(Float.isNaN(p.predict(1, 0f, x, 7).probabilities()[0]));
    }
  }

  @Test
  void aBadRowNamesItsLineAndWritesNothing() throws IOException {
    List<String> lines = Files.readAllLines(fx.reorderedCsv());
    Path out = shared.resolve("bad-actions.csv");
    Path shortRow = shared.resolve("short.csv");
    Files.write(shortRow, List.of(lines.get(0), lines.get(1), "1,x,2,3"));
    Path word = shared.resolve("word.csv");
    Files.write(word, List.of(lines.get(0), lines.get(1).replaceFirst(",x,(\\d+),[^,]*,", ",x,$1,heavy,")));
    try (StreamPredictor p = open()) {
      PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
      IllegalArgumentException a =
          assertThrows(IllegalArgumentException.class, () -> Replay.run(p, shortRow, out, quiet));
      assertTrue(a.getMessage().contains("line 3: expected 134 fields, found 4"), a.getMessage());
      IllegalArgumentException b = assertThrows(IllegalArgumentException.class, () -> Replay.run(p, word, out, quiet));
      assertTrue(b.getMessage().contains("line 2: weight: 'heavy' is not a number"), b.getMessage());
    }
    assertFalse(Files.exists(out));
  }
}
