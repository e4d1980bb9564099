package dev.kiln.bench;

import dev.kiln.io.dataset.Columns;
import dev.kiln.io.pipeline.Batch;
import dev.kiln.io.pipeline.BatchAssembler;
import dev.kiln.io.pipeline.BatchStream;
import dev.kiln.io.pipeline.Shard;
import dev.kiln.io.pipeline.WindowedDataset;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The windowing hot path on one core: assembling batches of 512 windows of 20 × 130 floats (10,400 bytes each) into
 * a reusable direct buffer, against a plain bulk copy of the same number of bytes into the same buffer in the same
 * run (the bound). Scores are samples per second; GB/s = samples/s × 10,400 / 1e9. The data is a training fold's worth
 * of rows (4 files × 60,000 rows, 125 MB of features, days of about 4,800 rows), far larger than the caches, and the
 * windows are taken in shuffled order, as training takes them.
 *
 * <ul>
 *   <li>{@code assemble}: {@link BatchAssembler#fill} over shuffled window ids (copy, label, ts_id, date);
 *   <li>{@code trainingStream}: the whole training stream without prefetch (repeat, shuffle buffer of 4 × batch,
 *       assembly);
 *   <li>{@code plainCopy}: one bulk copy of 512 × 10,400 contiguous bytes into the same buffer, walking through all
 *       125 MB of features so that it too reads from memory rather than cache (the bound).
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class WindowingBenchmark {
  /** The seed's per-replica batch. */
  public static final int BATCH = 512;

  private static final int FILES = 4;
  private static final int ROWS_PER_FILE = 60_000;
  private static final int ROWS_PER_DAY = 4_800;

  private WindowedDataset dataset;
  private BatchAssembler assembler;
  private long[] shuffled;
  private int cursor;
  private Batch batch;
  private FloatBuffer copyTarget;
  private float[][] copySources;
  private int copySource;
  private int copyOffset;
  private BatchStream stream;

  @Setup(Level.Trial)
  public void setup() {
    Columns cols = Columns.standard();
    Random r = new Random(1);
    List<Shard> shards = new ArrayList<>();
    for (int f = 0; f < FILES; f++) {
      float[] data = new float[ROWS_PER_FILE * cols.count()];
      for (int row = 0; row < ROWS_PER_FILE; row++) {
        int o = row * cols.count();
        data[o + cols.date()] = f * 100 + row / ROWS_PER_DAY;
        data[o + cols.resp()] = (float) r.nextGaussian() * 0.01f;
        data[o + cols.tsId()] = f * ROWS_PER_FILE + row;
        for (int k = 0; k < Columns.FEATURES; k++) {
          data[o + cols.feature0() + k] = r.nextFloat();
        }
      }
      shards.add(Shard.of("file" + f, cols, data, ROWS_PER_FILE));
    }
    dataset = new WindowedDataset(shards, 20);
    assembler = dataset.assembler();
    shuffled = dataset.index().order();
    for (int i = shuffled.length - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      long t = shuffled[i];
      shuffled[i] = shuffled[j];
      shuffled[j] = t;
    }
    batch = assembler.newBatch(BATCH);
    copyTarget = assembler.newBatch(BATCH).features().clear();
    copySources = new float[FILES][];
    for (int f = 0; f < FILES; f++) {
      copySources[f] = shards.get(f).features();
    }
    stream = dataset.training(new WindowedDataset.TrainingOptions(BATCH, 0, WindowedDataset.Shuffle.BUFFER,
        OptionalLong.of(7), 0));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    stream.close();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public Batch assemble() {
    if (cursor + BATCH > shuffled.length) {
      cursor = 0;
    }
    assembler.fill(batch, shuffled, cursor, BATCH);
    cursor += BATCH;
    return batch;
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public Batch trainingStream() {
    return stream.next();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public FloatBuffer plainCopy() {
    int len = BATCH * 20 * Columns.FEATURES;
    if (copyOffset + len > copySources[copySource].length) {
      copyOffset = 0;
      copySource = (copySource + 1) % FILES;
    }
    copyTarget.put(0, copySources[copySource], copyOffset, len);
    copyOffset += len;
    return copyTarget;
  }
}
