package dev.kiln.io.pipeline;

import dev.kiln.io.dataset.Columns;
import java.util.Random;

/** Shards with chosen day sizes and recognisable values, for the pipeline tests. */
final class PipelineFixtures {
  private PipelineFixtures() {}

  /**
   * Row-major rows (138 columns) with days of the given sizes: date d for day d (offset by {@code firstDate}), resp
   * from {@code rnd} with every 7th exactly 0, features that encode (row, feature), ts_id counting from {@code ts0}.
   */
  static float[] rows(int[] daySizes, int firstDate, long ts0, Random rnd) {
    Columns c = Columns.standard();
    int n = 0;
    for (int s : daySizes) {
      n += s;
    }
    float[] data = new float[n * c.count()];
    int r = 0;
    for (int d = 0; d < daySizes.length; d++) {
      for (int k = 0; k < daySizes[d]; k++, r++) {
        int o = r * c.count();
        data[o + c.date()] = firstDate + d;
        data[o + c.weight()] = rnd.nextFloat();
        data[o + c.resp()] = r % 7 == 3 ? 0f : (float) rnd.nextGaussian() * 0.01f;
        for (int f = 0; f < Columns.FEATURES; f++) {
          data[o + c.feature0() + f] = (ts0 + r) * 1000f + f;
        }
        data[o + c.tsId()] = ts0 + r;
      }
    }
    return data;
  }

  static Shard shard(String name, int[] daySizes, int firstDate, long ts0, long seed) {
    int n = 0;
    for (int s : daySizes) {
      n += s;
    }
    return Shard.of(name, Columns.standard(), rows(daySizes, firstDate, ts0, new Random(seed)), n);
  }
}
