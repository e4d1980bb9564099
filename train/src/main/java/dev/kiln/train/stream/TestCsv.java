package dev.kiln.train.stream;

import dev.kiln.io.AtomicFiles;
import dev.kiln.io.dataset.Columns;
import dev.kiln.io.pipeline.Shard;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * A dataset fold written back as the competition's {@code example_test.csv}: date, weight, feature_0..129, ts_id
 * (no resp columns), rows in file order, and a feature equal to the dataset's NaN fill written empty (missing), as
 * the live API served it. A genuine value equal to the fill cannot be told apart and is written empty too.
 */
public final class TestCsv {
  private TestCsv() {}

  /** Writes the rows of {@code shards} to {@code csv} atomically; returns the rows written. */
  public static long write(List<Shard> shards, Path csv, float fill) throws IOException {
    long[] rows = {0};
    AtomicFiles.write(csv, os -> {
      Writer w = new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8), 1 << 16);
      w.write(String.join(",", TestSchema.required(Columns.FEATURES)));
      w.write('\n');
      for (Shard s : shards) {
        float[] f = s.features();
        for (int r = 0; r < s.rows(); r++) {
          w.write(Integer.toString((int) s.date(r)));
          w.write(',');
          w.write(Float.toString(s.weight(r)));
          for (int j = 0; j < Columns.FEATURES; j++) {
            float v = f[r * Columns.FEATURES + j];
            w.write(',');
            if (v != fill) w.write(Float.toString(v));
          }
          w.write(',');
          w.write(Long.toString(s.tsId(r)));
          w.write('\n');
          rows[0]++;
        }
      }
      w.flush();
    });
    return rows[0];
  }
}
