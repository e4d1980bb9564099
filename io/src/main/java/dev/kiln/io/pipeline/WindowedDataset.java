package dev.kiln.io.pipeline;

import dev.kiln.io.dataset.Columns;
import dev.kiln.io.dataset.DatasetFolder;
import dev.kiln.io.tfrecord.TFRecordReader;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;

/**
 * The seed's windowed input pipeline over some folds of a dataset: every file's rows decoded once into a
 * {@link Shard}, single-date windows indexed once ({@link WindowIndex}), and batches assembled from window ids.
 * {@link #validation} gives the deterministic order once, with the last partial batch; {@link #training} gives an
 * endless stream: the order repeated, through a shuffle buffer of 4 × batch (crossing passes, as the seed's
 * {@code repeat().shuffle()}), or optionally a fresh permutation per pass. Both prefetch on a background thread.
 */
public final class WindowedDataset {
  /** How the training stream is shuffled. */
  public enum Shuffle {
    /** The seed's: {@code repeat()} then a shuffle buffer; passes mix at their boundaries. */
    BUFFER,
    /** Kiln's option: each pass a uniformly random permutation of all windows, so each appears once per pass. */
    PERMUTATION
  }

  /**
   * Training stream settings: the batch size, the shuffle buffer size (the seed's 4 × batch when 0), the shuffle
   * kind, the seed (empty for a fresh random one) and how many batches to prefetch (0 for none).
   */
  public record TrainingOptions(int batchSize, int shuffleBuffer, Shuffle shuffle, OptionalLong seed, int prefetch) {
    /** The seed's training stream for {@code batchSize}, reproducible from {@code seed}. */
    public static TrainingOptions seeded(int batchSize, long seed) {
      return new TrainingOptions(batchSize, 0, Shuffle.BUFFER, OptionalLong.of(seed), 2);
    }

    /** Checks the settings. */
    public TrainingOptions {
      if (batchSize < 1) {
        throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
      }
      if (shuffleBuffer < 0 || prefetch < 0) {
        throw new IllegalArgumentException("shuffle buffer and prefetch must not be negative");
      }
    }

    /** The shuffle buffer size in effect. */
    public int effectiveShuffleBuffer() {
      return shuffleBuffer == 0 ? 4 * batchSize : shuffleBuffer;
    }
  }

  private final WindowIndex index;
  private final BatchAssembler assembler;
  private final long skipped;
  private final SampleWeight sampleWeight;

  /** A pipeline over in-memory shards with windows of {@code window} rows. */
  public WindowedDataset(List<Shard> shards, int window) {
    this(shards, window, SampleWeight.NONE);
  }

  /** As above, its batches carrying each sample's weight by {@code sampleWeight} (none when NONE). */
  public WindowedDataset(List<Shard> shards, int window, SampleWeight sampleWeight) {
    this.index = new WindowIndex(shards, window);
    this.sampleWeight = sampleWeight;
    this.assembler = new BatchAssembler(shards, window, Columns.FEATURES, sampleWeight);
    long s = 0;
    for (Shard sh : shards) {
      s += sh.skipped();
    }
    this.skipped = s;
  }

  /** Loads the files of {@code folds} (in that order, each fold's files by name) of the dataset at {@code root}. */
  public static WindowedDataset load(Path root, List<Integer> folds, int window, TFRecordReader.Options options)
      throws IOException {
    return load(root, folds, window, options, Shard.RESP);
  }

  /** As above, labelling each window by the named {@code targets} columns of its last row. */
  public static WindowedDataset load(Path root, List<Integer> folds, int window, TFRecordReader.Options options,
      List<String> targets) throws IOException {
    return load(root, folds, window, options, targets, RowFilter.ALL);
  }

  /** As above, with only the rows {@code filter} keeps, dropped per file before windows are cut. */
  public static WindowedDataset load(Path root, List<Integer> folds, int window, TFRecordReader.Options options,
      List<String> targets, RowFilter filter) throws IOException {
    DatasetFolder folder = DatasetFolder.open(root);
    for (String t : targets) {
      if (folder.columns().indexOf(t) < 0) {
        throw new IllegalArgumentException("target '" + t + "' is not a column of " + root + "/columns.json");
      }
    }
    List<Shard> shards = new ArrayList<>();
    for (Path file : folder.files(folds)) {
      shards.add(Shard.load(file, folder.columns(), options, targets, filter));
    }
    return new WindowedDataset(shards, window);
  }

  /** The same rows and windows, batches carrying sample weights by {@code w}. */
  public WindowedDataset weighted(SampleWeight w) {
    return new WindowedDataset(shards(), index.window(), w);
  }

  /** How the batches weight their samples. */
  public SampleWeight sampleWeight() {
    return sampleWeight;
  }

  /** Labels per window: one per target. */
  public int targets() {
    return shards().isEmpty() ? 1 : shards().get(0).targetCount();
  }

  /** The window index (counts and the deterministic order). */
  public WindowIndex index() {
    return index;
  }

  /** The shards, in interleave order. */
  public List<Shard> shards() {
    return index.shards();
  }

  /** The number of single-date windows. */
  public int windowCount() {
    return index.size();
  }

  /** The total number of rows. */
  public long rowCount() {
    long n = 0;
    for (Shard s : index.shards()) {
      n += s.rows();
    }
    return n;
  }

  /** Corrupt records skipped while loading (0 unless loaded with skipping). */
  public long skippedRecords() {
    return skipped;
  }

  /** The assembler, for callers that build batches from their own window ids. */
  public BatchAssembler assembler() {
    return assembler;
  }

  /** All windows once in the seed's deterministic order, in batches, the last one partial. */
  public BatchStream validation(int batchSize, int prefetch) {
    return new BatchStream(assembler, WindowSource.once(index.orderArray()), batchSize, prefetch);
  }

  /** The endless training stream. */
  public BatchStream training(TrainingOptions o) {
    return new BatchStream(assembler, trainingSource(o, seedOf(o)), o.batchSize(), o.prefetch());
  }

  /**
   * The seeded training stream positioned after its first {@code skipBatches} batches: the same batches, in the same
   * order, as the stream that already gave those (shuffle buffer and RNG replayed over window ids only, no data is
   * assembled). This is how a resumed run continues the killed run's stream exactly.
   */
  public BatchStream training(TrainingOptions o, long skipBatches) {
    return new BatchStream(assembler, positioned(o, skipBatches), o.batchSize(), o.prefetch());
  }

  /** The window ids of {@link #training(TrainingOptions, long)}'s batches, in the same order, without their data. */
  public WindowStream trainingIds(TrainingOptions o, long skipBatches) {
    return new WindowStream(positioned(o, skipBatches));
  }

  private WindowSource positioned(TrainingOptions o, long skipBatches) {
    if (o.seed().isEmpty()) throw new IllegalArgumentException("only a seeded stream can be positioned");
    if (skipBatches < 0) throw new IllegalArgumentException("cannot skip " + skipBatches + " batches");
    WindowSource source = trainingSource(o, o.seed().getAsLong());
    for (long i = 0, n = skipBatches * o.batchSize(); i < n; i++) {
      if (source.next() < 0) break;
    }
    return source;
  }

  /** The seed a training stream with these options uses (the given one, or a fresh random one). */
  public static long seedOf(TrainingOptions o) {
    return o.seed().isPresent() ? o.seed().getAsLong() : new SecureRandom().nextLong();
  }

  WindowSource trainingSource(TrainingOptions o, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    return switch (o.shuffle()) {
      case BUFFER -> new ShuffleBuffer(WindowSource.repeat(index.orderArray()), o.effectiveShuffleBuffer(), rnd);
      case PERMUTATION -> WindowSource.permutations(index.orderArray(), rnd);
    };
  }
}
