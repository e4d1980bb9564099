package dev.kiln.io.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.io.dataset.Columns;
import dev.kiln.io.dataset.DatasetFolder;
import dev.kiln.io.dataset.SyntheticMarket;
import dev.kiln.io.tfrecord.TFRecordReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureMomentsTest {
  @TempDir Path dir;

  /** Mean and population variance of each column, two passes in float64 over all rows at once. */
  static double[][] direct(float[] data, int rows, int features) {
    double[] mean = new double[features];
    double[] var = new double[features];
    for (int r = 0; r < rows; r++) {
      for (int f = 0; f < features; f++) {
        mean[f] += data[r * features + f];
      }
    }
    for (int f = 0; f < features; f++) {
      mean[f] /= rows;
    }
    for (int r = 0; r < rows; r++) {
      for (int f = 0; f < features; f++) {
        double d = data[r * features + f] - mean[f];
        var[f] += d * d;
      }
    }
    for (int f = 0; f < features; f++) {
      var[f] /= rows;
    }
    return new double[][] {mean, var};
  }

  static void assertClose(double[] want, double[] got, String what) {
    for (int i = 0; i < want.length; i++) {
      assertEquals(want[i], got[i], 1e-10 * Math.max(1, Math.abs(want[i])), what + " " + i);
    }
  }

  @Test
  void batchedMomentsEqualTheDirectTwoPassComputation() {
    Random r = new Random(1);
    int rows = 5000;
    int features = 130;
    float[] data = new float[rows * features];
    for (int i = 0; i < data.length; i++) {
      int f = i % features;
      // Offsets far from zero and -100 fills stress the combination formula.
      data[i] = r.nextInt(10) == 0 ? -100f : (float) (1000 * (f % 3) + r.nextGaussian() * (1 + f));
    }
    double[][] want = direct(data, rows, features);
    for (int batch : new int[] {1, 7, 512, 4999, 5000, 8192}) {
      FeatureMoments m = new FeatureMoments(features);
      for (int s = 0; s < rows; s += batch) {
        int n = Math.min(batch, rows - s);
        float[] part = new float[n * features];
        System.arraycopy(data, s * features, part, 0, part.length);
        m.addBatch(part, n);
      }
      assertEquals(rows, m.count());
      assertClose(want[0], m.mean(), "mean, batch " + batch);
      assertClose(want[1], m.variance(), "variance, batch " + batch);
    }
  }

  @Test
  void mergingMomentsEqualsAddingAllBatches() {
    Random r = new Random(2);
    float[] a = new float[300 * 4];
    float[] b = new float[77 * 4];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) r.nextGaussian();
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = (float) (5 + 3 * r.nextGaussian());
    }
    FeatureMoments ma = new FeatureMoments(4);
    ma.addBatch(a, 300);
    FeatureMoments mb = new FeatureMoments(4);
    mb.addBatch(b, 77);
    ma.merge(mb);
    float[] all = new float[a.length + b.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    double[][] want = direct(all, 377, 4);
    assertClose(want[0], ma.mean(), "mean");
    assertClose(want[1], ma.variance(), "variance");
    assertThrows(IllegalArgumentException.class, () -> ma.merge(new FeatureMoments(3)));
  }

  @Test
  void adaptStreamFromFilesEqualsTheLoadedRows() throws IOException {
    Path data = dir.resolve("d");
    SyntheticMarket.generate(data, new SyntheticMarket.Settings(12, 150, 5, 3, 2, -100f, 1.0, 20), null);
    DatasetFolder folder = DatasetFolder.open(data);
    List<Path> files = folder.files(List.of(0, 1));
    FeatureMoments fromFiles = FeatureMoments.adapt(files, folder.columns(), 100, TFRecordReader.Options.DEFAULT);
    List<Shard> shards = new ArrayList<>();
    int rows = 0;
    for (Path f : files) {
      Shard s = Shard.load(f, folder.columns(), TFRecordReader.Options.DEFAULT);
      shards.add(s);
      rows += s.rows();
    }
    FeatureMoments fromShards = FeatureMoments.adapt(shards, 100);
    assertEquals(rows, fromFiles.count());
    assertArrayEquals(fromShards.mean(), fromFiles.mean());
    assertArrayEquals(fromShards.variance(), fromFiles.variance());
    float[] all = new float[rows * Columns.FEATURES];
    int o = 0;
    for (Shard s : shards) {
      System.arraycopy(s.features(), 0, all, o, s.rows() * Columns.FEATURES);
      o += s.rows() * Columns.FEATURES;
    }
    double[][] want = direct(all, rows, Columns.FEATURES);
    assertClose(want[0], fromFiles.mean(), "mean");
    assertClose(want[1], fromFiles.variance(), "variance");
  }

  @Test
  void statisticsBeyondFloat32AreRefusedAfterAdapting() {
    // Finite inputs whose variance (1e60) is +Inf in float32, the type the Normalization layer holds it in.
    Columns columns = Columns.standard();
    float[] data = new float[4 * columns.count()];
    for (int r = 0; r < 4; r++) {
      data[r * columns.count() + columns.feature0() + 7] = r % 2 == 0 ? 1e30f : -1e30f;
    }
    Shard s = Shard.of("big", columns, data, 4);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> FeatureMoments.adapt(List.of(s), 2));
    assertTrue(e.getMessage().startsWith("the normalization statistics of feature_7 are not finite in float32"),
        e.getMessage());
    data[columns.feature0() + 7] = 1e3f;
    data[columns.count() + columns.feature0() + 7] = -1e3f;
    data[2 * columns.count() + columns.feature0() + 7] = 1e3f;
    data[3 * columns.count() + columns.feature0() + 7] = -1e3f;
    assertEquals(1e6, FeatureMoments.adapt(List.of(Shard.of("ok", columns, data, 4)), 2).variance()[7], 1e-6);
  }
}
