package dev.kiln.io.events;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.io.proto.DataType;
import dev.kiln.io.proto.Event;
import dev.kiln.io.proto.Summary;
import dev.kiln.io.tfrecord.TFRecordReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Event files: named and framed as TensorFlow's, each record read back by Kiln's own TFRecord reader (CRCs checked). */
class EventFileWriterTest {
  /**
   * The record TensorFlow 2.21's {@code tf.summary.scalar("epoch_loss", 0.25, step=3)} wrote (what Keras's callback
   * calls), after its 9-byte wall_time field: step, then the summary's tag, rank-0 DT_FLOAT tensor and metadata.
   */
  private static final String TF_SCALAR_AFTER_WALL_TIME =
      "10032a270a250a0a65706f63685f6c6f7373420a0801120022040000803e4a0b0a090a077363616c617273";

  /** Every record of {@code file}, as events, read with CRC verification. */
  private static List<byte[]> records(Path file) throws IOException {
    List<byte[]> r = new ArrayList<>();
    try (TFRecordReader in = TFRecordReader.open(file)) {
      while (in.next()) r.add(in.copyData());
    }
    return r;
  }

  @Test
  void scalarsAreFramedAsTensorFlowWritesThem(@TempDir Path dir) throws IOException {
    Path logs = dir.resolve("not/yet/there");
    long before = System.currentTimeMillis() / 1000;
    Path file;
    try (EventFileWriter w = EventFileWriter.create(logs, "kiln")) {
      file = w.file();
      w.scalar("epoch_loss", 3, 0.25);
      w.scalar("epoch_auc", 4, 0.123456789);
      w.flush();
      // Flushed records are in the file before it is closed: TensorBoard reads it while it grows.
      assertEquals(3, records(file).size());
    }
    assertEquals(logs, file.getParent());
    String name = file.getFileName().toString();
    assertTrue(name.matches("events\\.out\\.tfevents\\.\\d{10}\\.[^/]+\\.\\d+\\.\\d+\\.v2"), name);
    long stamp = Long.parseLong(name.split("\\.")[3]);
    assertTrue(stamp >= before && stamp <= System.currentTimeMillis() / 1000, name);

    List<byte[]> r = records(file);
    Event first = Event.parseFrom(r.get(0));
    assertEquals(EventFileWriter.FILE_VERSION, first.getFileVersion());
    assertEquals(stamp, first.getWallTime());
    assertEquals("kiln", first.getSourceMetadata().getWriter());

    byte[] loss = r.get(1);
    assertEquals(0x09, loss[0], "wall_time first, a double");
    assertArrayEquals(HexFormat.of().parseHex(TF_SCALAR_AFTER_WALL_TIME), Arrays.copyOfRange(loss, 9, loss.length));
    Event e = Event.parseFrom(loss);
    assertTrue(e.getWallTime() >= stamp, "wall_time in seconds");

    Summary.Value auc = Event.parseFrom(r.get(2)).getSummary().getValue(0);
    assertEquals(4, Event.parseFrom(r.get(2)).getStep());
    assertEquals("epoch_auc", auc.getTag());
    assertEquals("scalars", auc.getMetadata().getPluginData().getPluginName());
    assertEquals(DataType.DT_FLOAT, auc.getTensor().getDtype());
    assertEquals(0, auc.getTensor().getTensorShape().getDimCount());
    float v = ByteBuffer.wrap(auc.getTensor().getTensorContent().toByteArray()).order(ByteOrder.LITTLE_ENDIAN)
        .getFloat();
    assertEquals(0.123456789f, v);
  }

  @Test
  void twoWritersOfOneFolderNeverShareAFile(@TempDir Path dir) throws IOException {
    try (EventFileWriter a = EventFileWriter.create(dir, "kiln"); EventFileWriter b = EventFileWriter.create(dir, "kiln")) {
      assertNotEquals(a.file(), b.file());
      a.scalar("epoch_loss", 0, 1);
      a.flush();
      b.flush();
      assertEquals(2, records(a.file()).size());
      assertEquals(1, records(b.file()).size());
    }
  }

  @Test
  void aFileWhereTheFolderShouldBeFailsNamingIt(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("logs"), "x");
    IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
        () -> EventFileWriter.create(file.resolve("train"), "kiln"));
    assertTrue(String.valueOf(e.getMessage()).contains("logs"), e.toString());
    assertFalse(Files.isDirectory(file));
  }
}
