package dev.kiln.io.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.io.CorruptRecordException;
import dev.kiln.io.tfrecord.TFRecordReader;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetInspectorTest {
  @TempDir static Path dir;
  static Path data;

  @BeforeAll
  static void generate() throws IOException {
    data = dir.resolve("synth");
    SyntheticMarket.generate(data, new SyntheticMarket.Settings(24, 200, 3, 3, 2, -100f, 1.0, 20), null);
  }

  /** Counts rows and single-date windows by brute force: every raw window, checked row by row. */
  static long[] bruteForce(Path file, int window) throws IOException {
    java.util.List<Float> dates = new java.util.ArrayList<>();
    try (RowReader r = RowReader.open(file, 138, TFRecordReader.Options.DEFAULT)) {
      float[] row = new float[138];
      while (r.next(row, 0)) {
        dates.add(row[0]);
      }
    }
    long windows = 0;
    for (int s = 0; s + window <= dates.size(); s++) {
      boolean one = true;
      for (int k = s; k < s + window; k++) {
        one &= dates.get(k).floatValue() == dates.get(s).floatValue();
      }
      if (one) {
        windows++;
      }
    }
    return new long[] {dates.size(), windows};
  }

  @Test
  void countsFilesRowsAndSingleDateWindowsPerFold() throws IOException {
    for (int window : new int[] {20, 1, 7}) {
      DatasetInspector.Report report = DatasetInspector.inspect(data, window, TFRecordReader.Options.DEFAULT, null);
      assertEquals(138, report.columns());
      Map<Integer, DatasetInspector.FoldReport> expected = new TreeMap<>();
      DatasetFolder folder = DatasetFolder.open(data);
      for (int f : folder.folds()) {
        long rows = 0;
        long windows = 0;
        for (Path p : folder.files(f)) {
          long[] c = bruteForce(p, window);
          rows += c[0];
          windows += c[1];
        }
        expected.put(f, new DatasetInspector.FoldReport(2, rows, windows));
      }
      assertEquals(expected, report.folds());
      DatasetStats stats = folder.stats();
      long total = expected.values().stream().mapToLong(DatasetInspector.FoldReport::rows).sum();
      for (int f : expected.keySet()) {
        assertEquals(total - expected.get(f).rows(), stats.length(f));
      }
    }
  }

  @Test
  void printsTheReportAsJson() throws IOException {
    DatasetInspector.Report report = DatasetInspector.inspect(data, 20, TFRecordReader.Options.DEFAULT, null);
    DatasetInspector.FoldReport f0 = report.folds().get(0);
    assertTrue(report.toJson().startsWith("{\"columns\":138,\"folds\":{\"0\":{\"files\":2,\"rows\":" + f0.rows()
        + ",\"windows\":" + f0.windows() + "},\"1\":"), report.toJson());
  }

  @Test
  void stopsAtACorruptRecordNamingItOrSkipsIt() throws IOException {
    Path copy = dir.resolve("copy");
    SyntheticMarket.generate(copy, new SyntheticMarket.Settings(24, 200, 3, 3, 2, -100f, 1.0, 20), null);
    Path file = copy.resolve("fold1/1.tfrec");
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(580L * 5 + 100);
      int b = raf.read();
      raf.seek(580L * 5 + 100);
      raf.write(b ^ 0x40);
    }
    CorruptRecordException e = assertThrows(CorruptRecordException.class,
        () -> DatasetInspector.inspect(copy, 20, TFRecordReader.Options.DEFAULT, null));
    assertEquals(file, e.file());
    assertEquals(5, e.recordNumber());
    assertEquals(580L * 5, e.offset());
    DatasetInspector.Report skipping = DatasetInspector.inspect(copy, 20, TFRecordReader.Options.SKIP_CORRUPT, null);
    assertEquals(1, skipping.skipped());
    DatasetInspector.Report clean = DatasetInspector.inspect(data, 20, TFRecordReader.Options.DEFAULT, null);
    assertEquals(clean.folds().get(1).rows() - 1, skipping.folds().get(1).rows());
    assertTrue(skipping.toJson().endsWith(",\"skipped\":1}"), skipping.toJson());
  }
}
