package dev.kiln.io.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.io.dataset.Columns;
import dev.kiln.io.dataset.DatasetInspector;
import dev.kiln.io.dataset.DatasetWriter;
import dev.kiln.io.dataset.SyntheticMarket;
import dev.kiln.io.tfrecord.TFRecordReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardTest {
  @TempDir Path dir;

  @Test
  void loadsEveryRowOfAFileIntoContiguousFeatures() throws IOException {
    int[] days = {30, 4, 22};
    float[] rows = PipelineFixtures.rows(days, 3, 100, new Random(4));
    Path out = dir.resolve("d");
    try (DatasetWriter w = new DatasetWriter(out, Columns.standard(), 1, 1)) {
      for (int r = 0; r < 56; r++) {
        w.write(0, 0, Arrays.copyOfRange(rows, r * 138, (r + 1) * 138));
      }
      w.commit();
    }
    Shard s = Shard.load(out.resolve("fold0/0.tfrec"), Columns.standard(), TFRecordReader.Options.DEFAULT);
    assertEquals(56, s.rows());
    for (int r = 0; r < 56; r++) {
      assertArrayEquals(Arrays.copyOfRange(rows, r * 138 + 7, r * 138 + 137),
          Arrays.copyOfRange(s.features(), r * 130, (r + 1) * 130));
      assertEquals(rows[r * 138], s.date(r));
      assertEquals(rows[r * 138 + 6], s.resp(r));
      assertEquals(rows[r * 138 + 1], s.weight(r));
      assertEquals(100 + r, s.tsId(r));
    }
  }

  @Test
  void pipelineWindowCountsAgreeWithTheInspector() throws IOException {
    Path data = dir.resolve("s");
    SyntheticMarket.generate(data, new SyntheticMarket.Settings(16, 120, 9, 2, 2, -100f, 1.0, 20), null);
    DatasetInspector.Report report = DatasetInspector.inspect(data, 20, TFRecordReader.Options.DEFAULT, null);
    for (int fold : List.of(0, 1)) {
      WindowedDataset ds = WindowedDataset.load(data, List.of(fold), 20, TFRecordReader.Options.DEFAULT);
      assertEquals(report.folds().get(fold).windows(), ds.windowCount());
      assertEquals(report.folds().get(fold).rows(), ds.rowCount());
    }
  }
}
