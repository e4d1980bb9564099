package dev.kiln.train.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Converts killed midway leave their temporary folders beside the output ({@code .data.tmp-<hex>}); the next
 * convert to that output removes them (under its lock), and leaves everything else alone.
 */
class ConvertLeftoversTest {
  @TempDir Path dir;

  static String csv(int days, int rowsPerDay) {
    StringBuilder b = new StringBuilder("date,weight,resp_1,resp_2,resp_3,resp_4,resp");
    for (int i = 0; i < 130; i++) b.append(",feature_").append(i);
    b.append(",ts_id\n");
    Random rnd = new Random(3);
    int ts = 0;
    for (int d = 0; d < days; d++) {
      for (int k = 0; k < rowsPerDay; k++) {
        b.append(d);
        for (int c = 1; c < 137; c++) b.append(',').append(rnd.nextGaussian());
        b.append(',').append(ts++).append('\n');
      }
    }
    return b.toString();
  }

  @Test
  void theNextConvertRemovesKilledConvertsTemporaryFolders() throws IOException {
    Path file = Files.writeString(dir.resolve("train.csv"), csv(6, 10));
    Path out = dir.resolve("data");
    Path[] orphans = new Path[5];
    for (int i = 0; i < orphans.length; i++) {
      orphans[i] = Files.createDirectories(dir.resolve(".data.tmp-" + Long.toHexString(0xabc0L + i)).resolve("fold0"));
      Files.write(orphans[i].resolve("0.tfrec"), new byte[100]);
      orphans[i] = orphans[i].getParent();
    }
    Path otherTarget = Files.createDirectories(dir.resolve(".other.tmp-abc"));
    Path notHex = Files.createDirectories(dir.resolve(".data.tmp-notours"));
    DataCommandsTest.Run r = DataCommandsTest.kiln("convert", "--csv", file.toString(), "--out", out.toString(),
        "--folds", "3", "--files-per-fold", "2");
    assertEquals(0, r.code(), r.err());
    for (Path p : orphans) assertFalse(Files.exists(p), p + " is removed");
    assertTrue(Files.isDirectory(otherTarget) && Files.isDirectory(notHex), "other names are left alone");
    assertTrue(Files.isRegularFile(out.resolve("stats.json")));
  }
}
