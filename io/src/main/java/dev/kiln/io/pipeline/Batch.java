package dev.kiln.io.pipeline;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * One batch of windows, in buffers reused from batch to batch: the features {@code [size, window, 130]} as floats in
 * native byte order in direct memory (a backend can hand the address to a device without another copy), the labels
 * {@code [size, targets]} likewise (and the sample weights {@code [size]} of a weighted run), and for each window the
 * ts_id and date of its last row (for predictions). Only the first {@link #size()} samples are valid; the buffers'
 * limits are set to them.
 */
public final class Batch {
  private final int capacity;
  private final int sampleFloats;
  private final int window;
  private final int featureCount;
  private final int targets;
  private final ByteBuffer featureBytes;
  private final FloatBuffer features;
  private final ByteBuffer labelBytes;
  private final FloatBuffer labels;
  private final ByteBuffer sampleWeightBytes;
  private final FloatBuffer sampleWeights;
  private final boolean weighted;
  private final long[] tsIds;
  private final int[] dates;
  private final long[] windowIds;
  private int size;

  /** A batch of up to {@code capacity} windows of {@code window} rows of {@code featureCount} features. */
  public Batch(int capacity, int window, int featureCount) {
    this(capacity, window, featureCount, 1);
  }

  /** As above, with {@code targets} labels per sample. */
  public Batch(int capacity, int window, int featureCount, int targets) {
    this(capacity, window, featureCount, targets, false);
  }

  /** As above; {@code weighted}: the batch carries a sample weight per sample for the training step. */
  public Batch(int capacity, int window, int featureCount, int targets, boolean weighted) {
    if (capacity < 1) {
      throw new IllegalArgumentException("batch size must be at least 1, got " + capacity);
    }
    long floats = (long) capacity * window * featureCount;
    if (floats * 4 > Integer.MAX_VALUE - 128) {
      throw new IllegalArgumentException("a batch of " + capacity + " windows of " + window + "x" + featureCount
          + " floats exceeds 2 GB");
    }
    this.capacity = capacity;
    this.sampleFloats = window * featureCount;
    this.window = window;
    this.featureCount = featureCount;
    this.targets = targets;
    // Aligned to 64 bytes, so that a CPU device can use the batch in place instead of copying it (Backend#putAsync);
    // a replica's slice stays aligned when its byte offset is a multiple of 64.
    this.featureBytes = aligned((int) floats * 4);
    this.features = featureBytes.asFloatBuffer();
    this.labelBytes = aligned(capacity * targets * 4);
    this.labels = labelBytes.asFloatBuffer();
    this.weighted = weighted;
    this.sampleWeightBytes = aligned(weighted ? capacity * 4 : 4);
    this.sampleWeights = sampleWeightBytes.asFloatBuffer();
    this.tsIds = new long[capacity];
    this.dates = new int[capacity];
    this.windowIds = new long[capacity];
  }

  private static ByteBuffer aligned(int bytes) {
    // alignedSlice also rounds the capacity down to a multiple of 64: allocate whole 64-byte units, plus one to align.
    int units = (bytes + 63) / 64 + 1;
    return ByteBuffer.allocateDirect(units * 64).alignedSlice(64).limit(bytes).slice().order(ByteOrder.nativeOrder());
  }

  /** The number of valid samples. */
  public int size() {
    return size;
  }

  /** The most samples the batch holds. */
  public int capacity() {
    return capacity;
  }

  /** Floats per sample: window × features. */
  public int sampleFloats() {
    return sampleFloats;
  }

  /** The features, {@code size × window × features} floats from position 0 (limit set to that). */
  public FloatBuffer features() {
    return features.duplicate().position(0).limit(size * sampleFloats);
  }

  /** The features' bytes (native order, direct), limit at the valid samples. */
  public ByteBuffer featureBytes() {
    return featureBytes.duplicate().order(ByteOrder.nativeOrder()).position(0).limit(size * sampleFloats * 4);
  }

  /** The labels, one float per target per sample: (1 + sign(target of the last row)) / 2. */
  public FloatBuffer labels() {
    return labels.duplicate().position(0).limit(size * targets);
  }

  /** Labels per sample: one per target. */
  public int targets() {
    return targets;
  }

  /** The labels' bytes (native order, direct), limit at the valid samples. */
  public ByteBuffer labelBytes() {
    return labelBytes.duplicate().order(ByteOrder.nativeOrder()).position(0).limit(size * targets * 4);
  }

  /** The (first target's) label of sample {@code i}. */
  public float label(int i) {
    return labels.get(check(i) * targets);
  }

  /** Whether the batch carries sample weights (a run with --sample-weight other than none). */
  public boolean weighted() {
    return weighted;
  }

  /** The sample weights' bytes (native order, direct), limit at the valid samples; only when {@link #weighted}. */
  public ByteBuffer sampleWeightBytes() {
    if (!weighted) throw new IllegalStateException("the batch carries no sample weights");
    return sampleWeightBytes.duplicate().order(ByteOrder.nativeOrder()).position(0).limit(size * 4);
  }

  /** The sample weight of sample {@code i} (1 when the batch carries none). */
  public float sampleWeight(int i) {
    return weighted ? sampleWeights.get(check(i)) : 1f;
  }

  /** The label of target {@code j} of sample {@code i}. */
  public float label(int i, int j) {
    if (j < 0 || j >= targets) throw new IndexOutOfBoundsException("target " + j + " of " + targets);
    return labels.get(check(i) * targets + j);
  }

  /** Feature {@code f} of row {@code t} of sample {@code i}. */
  public float feature(int i, int t, int f) {
    if (t < 0 || t >= window || f < 0 || f >= featureCount) {
      throw new IndexOutOfBoundsException("row " + t + ", feature " + f + " of a " + window + "x" + featureCount
          + " window");
    }
    return features.get(check(i) * sampleFloats + t * featureCount + f);
  }

  /** Rows per window. */
  public int window() {
    return window;
  }

  /** Features per row. */
  public int featureCount() {
    return featureCount;
  }

  /** The ts_id of the last row of sample {@code i}'s window. */
  public long tsId(int i) {
    return tsIds[check(i)];
  }

  /** The date of sample {@code i}'s window. */
  public int date(int i) {
    return dates[check(i)];
  }

  /** The window id of sample {@code i} (shard index in the high 32 bits, first row in the low 32). */
  public long windowId(int i) {
    return windowIds[check(i)];
  }

  private int check(int i) {
    if (i < 0 || i >= size) {
      throw new IndexOutOfBoundsException("sample " + i + " of a batch of " + size);
    }
    return i;
  }

  FloatBuffer rawFeatures() {
    return features;
  }

  FloatBuffer rawLabels() {
    return labels;
  }

  FloatBuffer rawSampleWeights() {
    return sampleWeights;
  }

  long[] rawTsIds() {
    return tsIds;
  }

  int[] rawDates() {
    return dates;
  }

  long[] rawWindowIds() {
    return windowIds;
  }

  void setSize(int n) {
    this.size = n;
  }
}
