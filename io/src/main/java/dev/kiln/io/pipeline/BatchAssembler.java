package dev.kiln.io.pipeline;

import java.nio.FloatBuffer;
import java.util.List;

/**
 * Fills a {@link Batch} from window ids: per sample one bulk copy of the window's {@code window × 130} contiguous
 * floats from its shard into the batch's direct buffer, a label from each target of the window's last row, and that
 * row's ts_id and date. This is the pipeline's hot path; it allocates nothing.
 */
public final class BatchAssembler {
  private final Shard[] shards;
  private final int window;
  private final int featureCount;
  private final int sampleFloats;
  private final int targets;
  private final SampleWeight sampleWeight;

  /** An assembler of windows of {@code window} rows of the given shards (which keep the same targets). */
  public BatchAssembler(List<Shard> shards, int window, int featureCount) {
    this(shards, window, featureCount, SampleWeight.NONE);
  }

  /** As above; batches carry each sample's weight by {@code sampleWeight} unless that is NONE. */
  public BatchAssembler(List<Shard> shards, int window, int featureCount, SampleWeight sampleWeight) {
    this.sampleWeight = sampleWeight;
    this.shards = shards.toArray(new Shard[0]);
    this.targets = shards.isEmpty() ? 1 : shards.get(0).targetCount();
    for (Shard s : shards) {
      if (s.targetCount() != targets) throw new IllegalArgumentException("shards keep different targets");
    }
    this.window = window;
    this.featureCount = featureCount;
    this.sampleFloats = window * featureCount;
  }

  /** A batch sized for this assembler. */
  public Batch newBatch(int capacity) {
    return new Batch(capacity, window, featureCount, targets, sampleWeight != SampleWeight.NONE);
  }

  /** Fills {@code batch} with the windows {@code ids[from .. from+count)}. */
  public void fill(Batch batch, long[] ids, int from, int count) {
    if (count > batch.capacity()) {
      throw new IllegalArgumentException(count + " windows do not fit a batch of " + batch.capacity());
    }
    FloatBuffer x = batch.rawFeatures();
    FloatBuffer y = batch.rawLabels();
    FloatBuffer w = batch.weighted() ? batch.rawSampleWeights() : null;
    long[] ts = batch.rawTsIds();
    int[] dates = batch.rawDates();
    long[] wids = batch.rawWindowIds();
    for (int i = 0; i < count; i++) {
      long id = ids[from + i];
      Shard s = shards[WindowIndex.shardOf(id)];
      int start = WindowIndex.startOf(id);
      int last = start + window - 1;
      for (int j = 0; j < targets; j++) y.put(i * targets + j, label(s.target(last, j)));
      if (w != null) w.put(i, sampleWeight.of(s, last));
      ts[i] = s.tsId(last);
      dates[i] = (int) s.date(last);
      wids[i] = id;
      x.put(i * sampleFloats, s.features(), start * featureCount, sampleFloats);
    }
    batch.setSize(count);
  }

  /** The seed's label: (1 + sign(resp)) / 2, so 1, 0, or 0.5 when resp is 0. */
  public static float label(float resp) {
    return (1f + Math.signum(resp)) / 2f;
  }
}
