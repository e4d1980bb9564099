package dev.kiln.io.events;

import com.google.protobuf.ByteString;
import dev.kiln.io.proto.DataType;
import dev.kiln.io.proto.Event;
import dev.kiln.io.proto.SourceMetadata;
import dev.kiln.io.proto.Summary;
import dev.kiln.io.proto.SummaryMetadata;
import dev.kiln.io.proto.TensorProto;
import dev.kiln.io.proto.TensorShapeProto;
import dev.kiln.io.tfrecord.TFRecordWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Writes one TensorBoard event file as TensorFlow 2's {@code tf.summary.create_file_writer} does: a new file named
 * {@code events.out.tfevents.<seconds>.<host>.<pid>.<n>.v2} (n counts the process's writers, so two writers never
 * share a name), framed as TFRecord, starting with an {@code Event{wall_time, file_version: "brain.Event:2"}}.
 *
 * <p>Scalars are written as {@code tf.summary.scalar} (which Keras's TensorBoard callback calls) writes them: a rank-0
 * {@code DT_FLOAT} tensor in {@code tensor_content} with the metadata {@code plugin_data{plugin_name: "scalars"}}.
 * TensorBoard reads the older {@code simple_value} form too, but this one is what a Keras run's files hold, so the two
 * runs' files are alike. The file is appended to and never renamed: TensorBoard reads it while it grows, and a record
 * cut short by a kill is the last one, which the reader ignores until it is whole.
 */
public final class EventFileWriter implements AutoCloseable {
  /** The first event's {@code file_version}: the format TensorBoard expects. */
  public static final String FILE_VERSION = "brain.Event:2";

  private static final AtomicInteger WRITERS = new AtomicInteger();
  private static final SummaryMetadata SCALARS = SummaryMetadata.newBuilder()
      .setPluginData(SummaryMetadata.PluginData.newBuilder().setPluginName("scalars")).build();

  private final Path file;
  private final TFRecordWriter records;

  private EventFileWriter(Path file, TFRecordWriter records) {
    this.file = file;
    this.records = records;
  }

  /**
   * Creates {@code dir} when missing and a new event file in it, holding its first event (flushed): {@code writer}
   * is who wrote it (the event's {@code source_metadata}).
   */
  public static EventFileWriter create(Path dir, String writer) throws IOException {
    Files.createDirectories(dir);
    long seconds = System.currentTimeMillis() / 1000;
    String prefix = "events.out.tfevents.%010d.%s.%d.".formatted(seconds, host(), ProcessHandle.current().pid());
    while (true) {
      Path f = dir.resolve(prefix + WRITERS.getAndIncrement() + ".v2");
      EventFileWriter w;
      try {
        w = new EventFileWriter(f, new TFRecordWriter(new BufferedOutputStream(
            Files.newOutputStream(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))));
      } catch (FileAlreadyExistsException taken) {
        continue; // another process with this pid number (a container's) wrote that name: take the next
      }
      try {
        w.write(Event.newBuilder().setWallTime(seconds).setFileVersion(FILE_VERSION)
            .setSourceMetadata(SourceMetadata.newBuilder().setWriter(writer)).build());
        w.flush();
        return w;
      } catch (IOException | RuntimeException e) {
        try {
          w.close();
        } catch (IOException c) {
          e.addSuppressed(c);
        }
        throw e;
      }
    }
  }

  /** Appends the scalar {@code value} (as float 32, as TensorFlow's summary) under {@code tag} at {@code step}. */
  public void scalar(String tag, long step, double value) throws IOException {
    int bits = Float.floatToRawIntBits((float) value);
    byte[] le = {(byte) bits, (byte) (bits >>> 8), (byte) (bits >>> 16), (byte) (bits >>> 24)};
    TensorProto tensor = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT)
        .setTensorShape(TensorShapeProto.getDefaultInstance()).setTensorContent(ByteString.copyFrom(le)).build();
    Summary.Value v = Summary.Value.newBuilder().setTag(tag).setTensor(tensor).setMetadata(SCALARS).build();
    write(Event.newBuilder().setWallTime(System.currentTimeMillis() / 1e3).setStep(step)
        .setSummary(Summary.newBuilder().addValue(v)).build());
  }

  /** Hands what was written to the operating system, where TensorBoard reads it. */
  public void flush() throws IOException {
    records.flush();
  }

  /** The file being written. */
  public Path file() {
    return file;
  }

  @Override
  public void close() throws IOException {
    records.close();
  }

  private void write(Event e) throws IOException {
    records.write(e.toByteArray());
  }

  /**
   * The machine's name, as TensorFlow puts in the file name (gethostname, which Linux shows in /proc without a name
   * lookup); "localhost" where it cannot be read.
   */
  static String host() {
    try {
      Path p = Path.of("/proc/sys/kernel/hostname");
      String h = Files.isReadable(p) ? Files.readString(p).strip() : "";
      if (!h.isEmpty() && h.chars().allMatch(c -> c > ' ' && c != '/' && c != '\\')) return h;
    } catch (IOException e) {
      // the default below
    }
    return "localhost";
  }
}
