package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.io.dataset.SyntheticMarket;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln train --tensorboard DIR}, read back by TensorBoard's own loader ({@code scripts/tensorboard_read.py}, in
 * the venv {@code scripts/keras-venv.sh} makes): every scalar is history.json's value at its epoch, named and placed
 * as Keras's TensorBoard callback names and places them, across a resume.
 */
class TensorBoardTrainTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int STEPS = 4;

  @TempDir
  static Path shared;

  static Path data;

  @BeforeAll
  static void makeData() throws IOException {
    data = shared.resolve("data");
    SyntheticMarket.generate(data, new SyntheticMarket.Settings(20, 150, 7, 5, 2, -100f, 1.0, 20), null);
  }

  /** Exit code and error output of {@code kiln train} with a small run's settings and {@code flags}. */
  private static Object[] train(String... flags) {
    List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--batch-size", "64",
        "--steps-per-epoch", String.valueOf(STEPS), "--backend", "java"));
    args.addAll(List.of(flags));
    KilnCli.Result r = KilnCli.run(args);
    return new Object[] {r.code(), r.err()};
  }

  @Test
  void tensorBoardReadsEveryEpochOfHistoryAcrossAResume(@TempDir Path dir) throws Exception {
    // ReduceLROnPlateau logs lr, which Keras writes as epoch_lr in train/.
    String[] fit = {"--optimizer", "rmsprop", "--lr", "0.005", "--reduce-lr-on-plateau", "val_loss:0.5:0",
        "--reduce-lr-min-delta", "10"};
    Path run = dir.resolve("run"), logs = dir.resolve("logs/not/yet/made");
    Object[] r = train(concat(fit, "--out", run.toString(), "--epochs", "2", "--tensorboard", logs.toString()));
    assertEquals(0, r[0], String.valueOf(r[1]));
    r = train(concat(fit, "--resume", run.toString(), "--epochs", "3", "--tensorboard", logs.toString()));
    assertEquals(0, r[0], String.valueOf(r[1]));

    Map<String, Map<String, List<double[]>>> expected = expected(run, 3);
    assertTrue(expected.get("train").containsKey("epoch_lr") && expected.get("train").containsKey("epoch_auc"),
        expected.toString());
    // The resume appended a new file beside the first run's, as a restarted Keras fit does.
    assertReads(logs, expected, 2);
  }

  @Test
  void aScheduleAddsTheRateKerasComputesAfterEachEpoch(@TempDir Path dir) throws Exception {
    Path run = dir.resolve("run"), logs = dir.resolve("logs");
    Object[] r = train("--out", run.toString(), "--epochs", "2", "--lr", "0.05", "--lr-schedule",
        "piecewise:4:0.05,0.01", "--tensorboard", logs.toString());
    assertEquals(0, r[0], String.valueOf(r[1]));
    Map<String, Map<String, List<double[]>>> expected = expected(run, 2);
    // Keras's schedule(iterations) after epoch 1 (4 iterations, t <= 4: 0.05) and after epoch 2 (8: 0.01).
    expected.get("train").put("epoch_learning_rate", List.of(new double[] {0, 0.05}, new double[] {1, 0.01}));
    assertReads(logs, expected, 1);
  }

  /** Checks that TensorBoard reads exactly {@code expected} from {@code logs}, from {@code files} files per run. */
  private static void assertReads(Path logs, Map<String, Map<String, List<double[]>>> expected, int files)
      throws Exception {
    JsonNode read = tensorboardRead(logs);
    assertEquals(new TreeSet<>(List.of("train", "validation")), names(read.fieldNames()));
    for (String runName : List.of("train", "validation")) {
      JsonNode got = read.get(runName);
      assertEquals(files, got.get("files").size(), got.toString());
      assertEquals(expected.get(runName).keySet(), names(got.get("scalars").fieldNames()), runName);
      assertEquals(expected.get(runName).keySet(), names(got.get("tags").elements()), runName + ": only scalars");
      expected.get(runName).forEach((tag, points) -> {
        JsonNode series = got.get("scalars").get(tag);
        assertEquals(points.size(), series.size(), runName + " " + tag + ": " + series);
        for (int i = 0; i < points.size(); i++) {
          assertEquals((long) points.get(i)[0], series.get(i).get(0).asLong(), runName + " " + tag + " step");
          // TensorFlow's summaries hold float 32, as Keras writes them.
          assertEquals((float) points.get(i)[1], (float) series.get(i).get(1).asDouble(),
              runName + " " + tag + " at step " + points.get(i)[0]);
        }
      });
    }
  }

  /**
   * The scalars Keras's callback writes for {@code history}: train/ has epoch_NAME at each epoch for the training
   * logs; validation/ has epoch_NAME for val_NAME and evaluation_NAME_vs_iterations at the iterations done.
   */
  private static Map<String, Map<String, List<double[]>>> expected(Path run, int epochs) throws IOException {
    JsonNode history = JSON.readTree(run.resolve("history.json").toFile());
    Map<String, Map<String, List<double[]>>> m = new TreeMap<>(Map.of("train", new TreeMap<>(), "validation",
        new TreeMap<>()));
    history.fieldNames().forEachRemaining(k -> {
      JsonNode v = history.get(k);
      boolean val = k.startsWith("val_");
      String name = val ? k.substring(4) : k;
      List<double[]> byEpoch = new ArrayList<>(), iterations = new ArrayList<>();
      for (int e = 0; e < v.size(); e++) {
        byEpoch.add(new double[] {e, v.get(e).asDouble()});
        iterations.add(new double[] {(e + 1) * STEPS, v.get(e).asDouble()});
      }
      assertEquals(epochs, byEpoch.size(), k);
      m.get(val ? "validation" : "train").put("epoch_" + name, byEpoch);
      if (val) m.get("validation").put("evaluation_" + name + "_vs_iterations", iterations);
    });
    return m;
  }

  @Test
  void aTensorBoardFolderThatIsAFileFailsInOneLineBeforeTraining(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("logs"), "not a folder");
    Path out = dir.resolve("run");
    Object[] r = train("--out", out.toString(), "--epochs", "1", "--tensorboard", file.toString());
    String err = (String) r[1];
    assertEquals(1, r[0], err);
    assertEquals(1, err.lines().count(), err);
    assertTrue(err.contains("--tensorboard " + file + ": " + file.toAbsolutePath() + " is a file, not a folder"), err);
    r = train("--out", out.toString(), "--epochs", "1", "--tensorboard", file.resolve("sub").toString());
    err = (String) r[1];
    assertEquals(1, r[0], err);
    assertEquals(1, err.lines().count(), err);
    assertTrue(err.contains("--tensorboard " + file.resolve("sub") + ": " + file.toAbsolutePath() + " is a file, not a folder"), err);
    assertFalse(Files.exists(out.resolve("history.json")) || Files.exists(Checkpoint.dir(out)), "nothing trained");
    assertEquals("not a folder", Files.readString(file));
  }

  /** What {@code scripts/tensorboard_read.py} prints for {@code logs}; fails naming what is missing. */
  private static JsonNode tensorboardRead(Path logs) throws Exception {
    Path py = KerasRoundTripTest.python();
    Path repo = Path.of("").toAbsolutePath().getParent();
    Path stderr = Files.createTempFile(logs.getParent(), "tensorboard_read", ".err");
    Process p = new ProcessBuilder(py.toString(), repo.resolve("scripts/tensorboard_read.py").toString(),
        logs.toString()).redirectError(stderr.toFile()).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int rc = p.waitFor();
    String err = Files.readString(stderr);
    assertEquals(0, rc, "tensorboard_read.py failed" + (rc == 2 ? " (run scripts/keras-venv.sh to add tensorboard "
        + "to " + py + ")" : "") + ":\n" + err + out);
    return JSON.readTree(out);
  }

  private static TreeSet<String> names(Iterator<?> it) {
    TreeSet<String> s = new TreeSet<>();
    it.forEachRemaining(x -> s.add(x instanceof JsonNode n ? n.asText() : String.valueOf(x)));
    return s;
  }

  private static String[] concat(String[] a, String... b) {
    String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}
