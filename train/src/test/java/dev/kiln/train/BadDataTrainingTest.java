package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.io.dataset.NonFiniteValueException;
import dev.kiln.io.dataset.SyntheticMarket;
import dev.kiln.io.tensor.TensorProtoCodec;
import dev.kiln.io.tfrecord.TFRecordWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What training does with data and flags that would otherwise give a NaN model, or a wrong one, and exit 0. */
class BadDataTrainingTest {
  @TempDir Path dir;

  Path data() throws IOException {
    Path data = dir.resolve("data");
    SyntheticMarket.generate(data, new SyntheticMarket.Settings(20, 150, 7, 5, 2, -100f, 1.0, 20), null);
    return data;
  }

  static TrainOptions options(Path data, Path out, double lr, double momentum, double noise, boolean skip) {
    return new TrainOptions(data, out, 1, 64, lr, momentum, 5, 4, 20, noise, 42, "java", null, 2, 0, 0, skip, false);
  }

  @Test
  void nonFiniteFlagsAreRefused() {
    Path p = dir.resolve("x");
    for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY}) {
      for (IllegalArgumentException e : new IllegalArgumentException[] {
          assertThrows(IllegalArgumentException.class, () -> options(p, p, bad, 0.9, 0.1, false)),
          assertThrows(IllegalArgumentException.class, () -> options(p, p, 0.1, bad, 0.1, false)),
          assertThrows(IllegalArgumentException.class, () -> options(p, p, 0.1, 0.9, bad, false))}) {
        assertTrue(e.getMessage().contains("must be finite"), e.getMessage());
      }
    }
  }

  @Test
  void aNonFiniteFeatureStopsTrainingBeforeAnyStepNamingItsPlace() throws IOException {
    Path data = data();
    Path file = data.resolve("fold2/0.tfrec");
    // Replace the file's rows by ones with +Inf in feature_3 of row 5 (a foreign writer's file).
    float[] row = new float[138];
    try (OutputStream out = Files.newOutputStream(file); TFRecordWriter w = new TFRecordWriter(out)) {
      for (int r = 0; r < 30; r++) {
        java.util.Arrays.fill(row, 1f);
        row[10] = r == 5 ? Float.POSITIVE_INFINITY : 1f;
        w.write(TensorProtoCodec.encodeFloatVector(row, 0, row.length));
      }
    }
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    NonFiniteValueException e = assertThrows(NonFiniteValueException.class,
        () -> new Trainer(options(data, dir.resolve("run"), 0.02, 0.9, 0.1, true), new PrintStream(log)).run());
    assertTrue(e.getMessage().startsWith(file + ": record 5: column 'feature_3' is +Inf"), e.getMessage());
    assertTrue(!Files.exists(dir.resolve("run/history.json")), "nothing was trained");
  }

  @Test
  void skipCorruptSaysHowManyRecordsItSkippedInWhichFile() throws IOException {
    Path data = data();
    Path file = data.resolve("fold1/1.tfrec");
    byte[] b = Files.readAllBytes(file);
    b[100] ^= 1; // inside the first record's data: its CRC fails
    Files.write(file, b);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    new Trainer(options(data, dir.resolve("run"), 0.02, 0.9, 0.1, true), new PrintStream(log)).run();
    String text = log.toString();
    assertTrue(text.contains("skipped 1 corrupt records in " + file + "\n"), text);
    assertTrue(text.contains("--skip-corrupt: skipped 1 corrupt records in all\n"), text);
  }

  @Test
  void aStatsLengthBeyondTheFilesIsRefusedBeforeTraining() throws IOException {
    Path data = data();
    String stats = Files.readString(data.resolve("stats.json"));
    Files.writeString(data.resolve("stats.json"), stats.replaceFirst("\"4\":\\{\"length\":\\d+",
        "\"4\":{\"length\":549755813888"));
    // Steps per epoch from stats.json, as the seed: (int) (2^39 / 64) was 0 steps, a NaN history and exit 0.
    TrainOptions o = new TrainOptions(data, dir.resolve("run"), 1, 64, 0.02, 0.9, 5, 4, 20, 0.1, 42, "java", null, 0,
        0, 0, false, false);
    IOException e = assertThrows(IOException.class,
        () -> new Trainer(o, new PrintStream(new ByteArrayOutputStream())).run());
    assertTrue(e.getMessage().contains("fold 4's length 549755813888 is more rows than the folder's .tfrec files"),
        e.getMessage());
  }

  @Test
  void aDivergingRunOnCheckedDataPointsAtTheOptimizer() throws IOException {
    Path data = data();
    dev.kiln.train.loop.DivergedException e = assertThrows(dev.kiln.train.loop.DivergedException.class,
        () -> new Trainer(options(data, dir.resolve("run"), 1e38, 0.9, 0.1, false),
            new PrintStream(new ByteArrayOutputStream())).run());
    assertTrue(e.getMessage().contains("The data, its normalization statistics and the flags were checked finite, so "
        + "the values diverged in training: try a lower --lr (this run's: 1.0E38) or --momentum (0.9)."),
        e.getMessage());
    assertEquals(-1, e.getMessage().indexOf("Try a lower --lr."), e.getMessage());
  }
}
