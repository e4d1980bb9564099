package dev.kiln.train.loop;

import dev.kiln.core.Tensor;
import dev.kiln.io.pipeline.BatchAssembler;
import dev.kiln.io.pipeline.Shard;
import dev.kiln.io.pipeline.WindowIndex;
import dev.kiln.io.pipeline.WindowedDataset;
import dev.kiln.ops.train.BatchSource;
import java.util.List;
import java.util.Map;

/**
 * A dataset's decoded rows as the tables a step gathers its windows from ({@link BatchSource.Table}): every shard's
 * feature rows one after another ([rows, features]), each row's label (the seed's label of the window ending there),
 * and each shard's first row, so a window id becomes a start row. Uploaded once per device; then a step is fed only
 * the windows' start rows.
 */
public final class DeviceDataset {
  private final WindowedDataset data;
  private final BatchSource.Table source;
  private final int[] offsets;
  private final int rows;
  private final int features;

  private DeviceDataset(WindowedDataset data, String prefix) {
    this.data = data;
    List<Shard> shards = data.shards();
    offsets = new int[shards.size()];
    long total = 0;
    for (int s = 0; s < shards.size(); s++) {
      offsets[s] = (int) total;
      total += shards.get(s).rows();
    }
    if (total > Integer.MAX_VALUE) throw new IllegalArgumentException(total + " rows do not fit one S32-indexed table");
    rows = (int) total;
    // Every shard's rows carry the same features; the first shard may have none (all its rows filtered out).
    features = rows == 0 ? 0 : dev.kiln.io.dataset.Columns.FEATURES;
    source = new BatchSource.Table(prefix, Math.max(1, rows));
  }

  /** The tables of {@code data}, named with {@code prefix} (e.g. "data/train/"). */
  public static DeviceDataset of(WindowedDataset data, String prefix) {
    return new DeviceDataset(data, prefix);
  }

  public BatchSource.Table source() {
    return source;
  }

  public WindowedDataset data() {
    return data;
  }

  /** Bytes each device holds: the feature rows, the labels and any sample weights, float32. */
  public long bytes() {
    return (long) rows * (features + data.targets() + (weighted() ? 1 : 0)) * 4;
  }

  /** Whether the tables hold each row's sample weight (the data's batches carry them). */
  public boolean weighted() {
    return data.sampleWeight() != dev.kiln.io.pipeline.SampleWeight.NONE;
  }

  /** The start row of window {@code id} in the tables. */
  public int start(long id) {
    return offsets[WindowIndex.shardOf(id)] + WindowIndex.startOf(id);
  }

  /** The label of target {@code j} of window {@code id} (its last row's). */
  public float label(long id, int j) {
    Shard s = data.shards().get(WindowIndex.shardOf(id));
    return BatchAssembler.label(s.target(WindowIndex.startOf(id) + data.index().window() - 1, j));
  }

  /** Builds the tables on the host and puts them on every device of {@code runner}. */
  public void upload(DeviceRunner runner) {
    float[] table = new float[Math.max(1, rows) * features];
    int k = data.targets();
    float[] labels = new float[Math.max(1, rows) * k];
    List<Shard> shards = data.shards();
    for (int s = 0; s < shards.size(); s++) {
      Shard sh = shards.get(s);
      System.arraycopy(sh.features(), 0, table, offsets[s] * features, sh.rows() * features);
      for (int r = 0; r < sh.rows(); r++) {
        for (int j = 0; j < k; j++) labels[(offsets[s] + r) * k + j] = BatchAssembler.label(sh.target(r, j));
      }
    }
    runner.put(Map.of(source.features(), Tensor.of(table, Math.max(1, rows), features),
        source.labels(), Tensor.of(labels, Math.max(1, rows), k)));
    if (weighted()) runner.put(Map.of(source.sampleWeights(), Tensor.of(sampleWeights(), Math.max(1, rows), 1)));
  }

  /** Each row's sample weight as the last row of a window, by the data's weighting. */
  private float[] sampleWeights() {
    float[] w = new float[Math.max(1, rows)];
    List<Shard> shards = data.shards();
    for (int s = 0; s < shards.size(); s++) {
      Shard sh = shards.get(s);
      for (int r = 0; r < sh.rows(); r++) w[offsets[s] + r] = data.sampleWeight().of(sh, r);
    }
    return w;
  }
}
