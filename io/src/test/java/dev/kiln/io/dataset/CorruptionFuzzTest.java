package dev.kiln.io.dataset;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kiln.io.CorruptRecordException;
import dev.kiln.io.tensor.TensorProtoCodec;
import dev.kiln.io.tfrecord.Crc32c;
import dev.kiln.io.tfrecord.TFRecordReader;
import dev.kiln.io.tfrecord.TFRecordWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random mutations of valid files: reading them gives only rows of the original file or a located
 * CorruptRecordException (or, without CRC checks, a located NonFiniteValueException), never another exception, a
 * hang, or an allocation of a corrupt declared length.
 */
class CorruptionFuzzTest {
  @TempDir Path dir;

  static final TFRecordReader.Options[] OPTIONS = {
    TFRecordReader.Options.DEFAULT, new TFRecordReader.Options(false, false), TFRecordReader.Options.SKIP_CORRUPT};

  static byte[] validFile(int rows, int width, Random r, Set<String> originals, List<Integer> starts)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TFRecordWriter w = new TFRecordWriter(out)) {
      for (int i = 0; i < rows; i++) {
        float[] row = new float[width];
        for (int k = 0; k < width; k++) {
          row[k] = (float) r.nextGaussian();
        }
        originals.add(Arrays.toString(row));
        starts.add((int) w.bytes());
        w.write(TensorProtoCodec.encodeFloatVector(row, 0, width));
      }
    }
    return out.toByteArray();
  }

  static byte[] mutate(byte[] b, Random r, List<Integer> starts) {
    byte[] m = b.clone();
    int count = 1 + r.nextInt(3);
    for (int c = 0; c < count && m.length > 0; c++) {
      switch (r.nextInt(8)) {
        case 0 -> m[r.nextInt(m.length)] ^= (byte) (1 << r.nextInt(8));
        case 1 -> m[r.nextInt(m.length)] = (byte) r.nextInt(256);
        case 2 -> m = Arrays.copyOf(m, r.nextInt(m.length));
        case 3 -> {
          int at = r.nextInt(m.length + 1);
          byte[] ins = new byte[1 + r.nextInt(40)];
          r.nextBytes(ins);
          byte[] n = new byte[m.length + ins.length];
          System.arraycopy(m, 0, n, 0, at);
          System.arraycopy(ins, 0, n, at, ins.length);
          System.arraycopy(m, at, n, at + ins.length, m.length - at);
          m = n;
        }
        case 4 -> {
          int at = r.nextInt(m.length);
          int len = Math.min(m.length - at, 1 + r.nextInt(700));
          byte[] n = new byte[m.length - len];
          System.arraycopy(m, 0, n, 0, at);
          System.arraycopy(m, at + len, n, at, m.length - at - len);
          m = n;
        }
        case 5, 6 -> {
          // A record header declaring a huge or a slightly-too-long length, with a CRC that matches or not.
          int rec = starts.get(r.nextInt(starts.size()));
          if (rec + 12 <= m.length) {
            long len = switch (r.nextInt(4)) {
              case 0 -> r.nextLong();
              case 1 -> Integer.MAX_VALUE + (long) r.nextInt(1000);
              case 2 -> (long) m.length - rec - 12 - r.nextInt(8);
              default -> r.nextInt(1 << 30);
            };
            ByteBuffer.wrap(m, rec, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(len);
            if (r.nextBoolean()) {
              int crc = Crc32c.maskedCrc(m, rec, 8);
              ByteBuffer.wrap(m, rec + 8, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(crc);
            }
          }
        }
        default -> {
          int at = r.nextInt(m.length);
          int len = Math.min(m.length - at, 1 + r.nextInt(1200));
          byte[] n = new byte[m.length + len];
          System.arraycopy(m, 0, n, 0, at + len);
          System.arraycopy(m, at, n, at + len, m.length - at);
          m = n;
        }
      }
    }
    return m;
  }

  void fuzz(int width, int rows, int iterations, long seed) throws IOException {
    Random r = new Random(seed);
    Set<String> originals = new HashSet<>();
    List<Integer> starts = new ArrayList<>();
    byte[] valid = validFile(rows, width, r, originals, starts);
    Path file = dir.resolve("fuzz.tfrec");
    int corrupt = 0;
    int clean = 0;
    for (int it = 0; it < iterations; it++) {
      byte[] m = mutate(valid, r, starts);
      Files.write(file, m);
      for (TFRecordReader.Options o : OPTIONS) {
        List<String> got = new ArrayList<>();
        try (RowReader reader = RowReader.open(file, width, o)) {
          float[] row = new float[width];
          while (reader.next(row, 0)) {
            got.add(Arrays.toString(row));
          }
          clean++;
        } catch (CorruptRecordException e) {
          corrupt++;
          assertTrue(e.getMessage().startsWith(file + ": corrupt record " + e.recordNumber() + " at byte offset "
              + e.offset() + ": "), e.getMessage());
          assertTrue(e.offset() >= 0 && e.offset() < m.length, "offset inside the file: " + e.getMessage());
        } catch (NonFiniteValueException e) {
          // Unverified, a mutated byte can make a value NaN or ±Inf: refused with its place, as a foreign file's.
          corrupt++;
          assertTrue(!o.verifyCrc() && e.getMessage().startsWith(file + ": record "), o + ": " + e.getMessage());
        } catch (Throwable t) {
          fail("seed " + seed + " iteration " + it + " options " + o + ": " + t, t);
        }
        if (o.verifyCrc()) {
          for (String g : got) {
            assertTrue(originals.contains(g), "seed " + seed + " iteration " + it + ": a CRC-checked row that was"
                + " never written");
          }
        }
      }
    }
    assertTrue(corrupt > iterations / 2 && clean > iterations / 2, corrupt + " corrupt, " + clean + " clean reads");
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES) // a guard against a reader that loops forever, not a speed check
  void mutatedRowFilesGiveOnlyValidRowsOrCorruptRecordException() throws IOException {
    fuzz(138, 30, 2500, 17);
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES) // a guard against a reader that loops forever, not a speed check
  void mutatedSmallRecordFilesGiveOnlyValidRowsOrCorruptRecordException() throws IOException {
    fuzz(3, 200, 2500, 23);
  }
}
