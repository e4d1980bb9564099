package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.io.dataset.SyntheticMarket;
import dev.kiln.io.pipeline.Shard;
import dev.kiln.io.pipeline.WindowedDataset;
import dev.kiln.io.tfrecord.TFRecordReader;
import dev.kiln.io.pipeline.RowFilter;
import dev.kiln.io.pipeline.SampleWeight;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --sample-weight} and the row filters in whole runs of the row MLP on five targets: the sample weights reach
 * the step alike whether batches are fed or gathered on the device (the same loss history), and they change the
 * training loss while the validation, unweighted as Keras's, is computed the same way.
 */
class SampleWeightTrainTest {
  @TempDir Path dir;

  private final ByteArrayOutputStream log = new ByteArrayOutputStream();

  private Trainer.Result run(Path data, String name, String placement, SampleWeight w, RowFilter filter)
      throws Exception {
    return run(data, name, placement, w, filter, 5);
  }

  private Trainer.Result run(Path data, String name, String placement, SampleWeight w, RowFilter filter, int steps)
      throws Exception {
    Path model = KerasRoundTripTest.fixture("row_mlp");
    TrainOptions o = new TrainOptions(data, dir.resolve(name), 2, 64, 0.02, 0.9, 5, 4, 1, 0.1, 42, "java", null, steps,
        0, 0, false, false, 0, placement, model, List.of("resp_1", "resp_2", "resp_3", "resp", "resp_4"), filter, w);
    log.reset();
    return new Trainer(o, new PrintStream(log, true)).run();
  }

  /** The rows of {@code folds} with date >= minDate and weight != 0, counted from every row. */
  private static long kept(Path data, List<Integer> folds, int minDate) throws Exception {
    long n = 0;
    WindowedDataset all = WindowedDataset.load(data, folds, 1, TFRecordReader.Options.DEFAULT);
    for (Shard s : all.shards()) {
      for (int r = 0; r < s.rows(); r++) if (s.date(r) >= minDate && s.weight(r) != 0f) n++;
    }
    return n;
  }

  @Test
  void weightedRunsAgreeFedAndOnTheDeviceAndDifferFromUnweighted() throws Exception {
    Path data = dir.resolve("data");
    SyntheticMarket.generate(data, new SyntheticMarket.Settings(20, 150, 13, 5, 2, -100f, 1.0, 20), null);
    Trainer.Result fed = run(data, "fed", "never", SampleWeight.WEIGHT_ABS_RESP, RowFilter.ALL);
    Trainer.Result device = run(data, "device", "always", SampleWeight.WEIGHT_ABS_RESP, RowFilter.ALL);
    for (String key : List.of("loss", "val_loss", "val_auc")) {
      List<Double> a = fed.history().get(key), b = device.history().get(key);
      assertEquals(2, a.size(), key);
      for (int e = 0; e < a.size(); e++) assertEquals(a.get(e), b.get(e), 1e-5, key + " epoch " + (e + 1));
    }
    Trainer.Result plain = run(data, "plain", "never", SampleWeight.NONE, RowFilter.ALL);
    // weight·|resp| is of order 1e-2: the weighted training loss is far below the unweighted one.
    assertNotEquals(plain.history().get("loss").get(0), fed.history().get("loss").get(0), 1e-3);
  }

  @Test
  void aRowFilterTrainsOnTheRowsKept() throws Exception {
    Path data = dir.resolve("data");
    SyntheticMarket.generate(data, new SyntheticMarket.Settings(20, 150, 13, 5, 2, -100f, 1.0, 20), null);
    run(data, "late", "never", SampleWeight.NONE, new RowFilter(10, true), 0);
    long train = kept(data, List.of(0, 1, 2, 3), 10), valid = kept(data, List.of(4), 10);
    long everyRow = WindowedDataset.load(data, List.of(0, 1, 2, 3), 1, TFRecordReader.Options.DEFAULT).rowCount();
    assertTrue(train > 0 && valid > 0 && train < everyRow, train + " of " + everyRow);
    // The seed's steps-per-epoch rule (training rows // batch size) counts the rows kept.
    String line = String.format("%,d training windows, %,d validation windows; %d steps of 64 per epoch", train, valid,
        train / 64);
    assertTrue(log.toString().contains(line), line + " in:\n" + log);
  }
}
