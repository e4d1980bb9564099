package dev.kiln.bench;

import dev.kiln.io.dataset.Columns;
import dev.kiln.io.dataset.RowReader;
import dev.kiln.io.pipeline.Shard;
import dev.kiln.io.tensor.TensorProtoCodec;
import dev.kiln.io.tfrecord.TFRecordReader;
import dev.kiln.io.tfrecord.TFRecordWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Reading a dataset file of 100,000 rows (58,000,000 bytes: 580-byte records of 138 float32) from the page cache:
 * MB/s = 58 × ops/s. Measured in the same run:
 *
 * <ul>
 *   <li>{@code rawRead}: positional reads of the whole file into a 1 MiB heap buffer, the I/O path the reader uses
 *       (the bound);
 *   <li>{@code framesAndCrc}: {@link TFRecordReader} with CRC32C verification of every length and record;
 *   <li>{@code parseRows}: {@link RowReader}: framing, CRCs and the TensorProto parse of every row into one reused
 *       float[138];
 *   <li>{@code decodeRows}: {@link Shard#load}, the pipeline's path: framing, CRCs, TensorProto parse and the copy of
 *       every row into the shard's new arrays (52 MB of features allocated per file).
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class TFRecordBenchmark {
  private static final int ROWS = 100_000;

  private Path dir;
  private Path file;
  private final ByteBuffer raw = ByteBuffer.allocate(1 << 20);

  @Setup(Level.Trial)
  public void setup() throws IOException {
    dir = Files.createTempDirectory("kiln-tfrecord-bench");
    file = dir.resolve("0.tfrec");
    Random r = new Random(1);
    float[] row = new float[138];
    try (TFRecordWriter w = new TFRecordWriter(new BufferedOutputStream(Files.newOutputStream(file), 1 << 20))) {
      for (int i = 0; i < ROWS; i++) {
        for (int k = 0; k < row.length; k++) {
          row[k] = (float) r.nextGaussian();
        }
        row[0] = i / 4800;
        w.write(TensorProtoCodec.encodeFloatVector(row, 0, row.length));
      }
    }
    if (Files.size(file) != 58_000_000L) {
      throw new IllegalStateException("expected a 58,000,000-byte file, got " + Files.size(file));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    Files.deleteIfExists(file);
    Files.deleteIfExists(dir);
  }

  @Benchmark
  public long rawRead() throws IOException {
    long total = 0;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long pos = 0;
      while (true) {
        raw.clear();
        int n = ch.read(raw, pos);
        if (n < 0) {
          break;
        }
        pos += n;
        total += raw.get(0);
      }
    }
    return total;
  }

  @Benchmark
  public long framesAndCrc() throws IOException {
    long total = 0;
    try (TFRecordReader r = TFRecordReader.open(file)) {
      while (r.next()) {
        total += r.dataLength();
      }
    }
    return total;
  }

  @Benchmark
  public float parseRows() throws IOException {
    float sum = 0;
    float[] row = new float[138];
    try (RowReader r = RowReader.open(file, 138, TFRecordReader.Options.DEFAULT)) {
      while (r.next(row, 0)) {
        sum += row[7];
      }
    }
    return sum;
  }

  @Benchmark
  public Shard decodeRows() throws IOException {
    return Shard.load(file, Columns.standard(), TFRecordReader.Options.DEFAULT);
  }
}
