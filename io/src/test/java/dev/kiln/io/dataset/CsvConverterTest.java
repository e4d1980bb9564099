package dev.kiln.io.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.io.tfrecord.TFRecordReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvConverterTest {
  @TempDir Path dir;

  static final String HEADER = String.join(",", Columns.standardNames());

  /** A CSV line for a row of the given date, with varied number spellings and NaNs in some features. */
  static String line(int date, long tsId, Random r) {
    StringBuilder sb = new StringBuilder();
    sb.append(date);
    for (int c = 1; c < 137; c++) {
      sb.append(',');
      int kind = r.nextInt(20);
      if (c >= 10 && kind == 0) {
        sb.append("");
      } else if (c >= 10 && kind == 1) {
        sb.append(r.nextBoolean() ? "nan" : "NaN");
      } else if (kind == 2) {
        sb.append(String.format(java.util.Locale.ROOT, "%.3e", r.nextGaussian()));
      } else {
        sb.append(r.nextGaussian() * (c < 7 ? 0.01 : 1));
      }
    }
    sb.append(',').append(tsId);
    return sb.toString();
  }

  static Path writeCsv(Path file, List<String> lines, String eol) throws IOException {
    Files.writeString(file, String.join(eol, lines) + eol, StandardCharsets.US_ASCII);
    return file;
  }

  /** Parses one CSV line the slow, obvious way: float64, then float32, NaN to the fill. */
  static float[] expected(String line, float fill) {
    String[] f = line.split(",", -1);
    float[] row = new float[f.length];
    for (int i = 0; i < f.length; i++) {
      row[i] = f[i].isEmpty() || f[i].equalsIgnoreCase("nan") ? fill : (float) Double.parseDouble(f[i]);
    }
    return row;
  }

  static List<float[]> readRows(Path file) throws IOException {
    List<float[]> rows = new ArrayList<>();
    try (RowReader r = RowReader.open(file, 138, TFRecordReader.Options.DEFAULT)) {
      float[] row = new float[138];
      while (r.next(row, 0)) {
        rows.add(row.clone());
      }
    }
    return rows;
  }

  @Test
  void convertsRowsIntoDateBlockFolds() throws IOException {
    Random r = new Random(3);
    List<String> lines = new ArrayList<>();
    lines.add(HEADER);
    List<String> data = new ArrayList<>();
    long ts = 0;
    for (int date = 0; date < 10; date++) {
      for (int k = 0; k < 3 + date; k++) {
        data.add(line(date, ts++, r));
      }
    }
    lines.addAll(data);
    Path csv = writeCsv(dir.resolve("train.csv"), lines, "\r\n");
    Path out = dir.resolve("data");
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    CsvConverter.Result res = CsvConverter.convert(csv, out,
        new CsvConverter.Options(2, 2, -100f, new PrintStream(progress, true, StandardCharsets.UTF_8)));
    assertEquals(data.size(), res.rows());
    assertEquals(0, res.minDate());
    assertEquals(9, res.maxDate());
    assertTrue(progress.toString(StandardCharsets.UTF_8).contains("100.0%"));

    DateBlocks blocks = new DateBlocks(0, 9, 2, 2);
    List<List<float[]>> want = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      want.add(new ArrayList<>());
    }
    for (String l : data) {
      float[] e = expected(l, -100f);
      int d = (int) e[0];
      want.get(blocks.fold(d) * 2 + blocks.file(d)).add(e);
    }
    for (int f = 0; f < 2; f++) {
      for (int i = 0; i < 2; i++) {
        List<float[]> got = readRows(out.resolve("fold" + f).resolve(i + ".tfrec"));
        List<float[]> exp = want.get(f * 2 + i);
        assertEquals(exp.size(), got.size(), "rows of fold" + f + "/" + i);
        for (int k = 0; k < exp.size(); k++) {
          assertArrayEquals(exp.get(k), got.get(k), "row " + k + " of fold" + f + "/" + i);
        }
      }
    }
    assertEquals(Columns.standard(), Columns.read(out.resolve("columns.json")));
    long fold0 = want.get(0).size() + want.get(1).size();
    long fold1 = want.get(2).size() + want.get(3).size();
    DatasetStats stats = DatasetStats.read(out.resolve("stats.json"));
    assertEquals(fold1, stats.length(0));
    assertEquals(fold0, stats.length(1));
    assertOnlyOutputLeft(out);
  }

  void assertOnlyOutputLeft(Path out) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
      List<String> expected = new ArrayList<>(List.of("train.csv"));
      if (out != null) {
        expected.add(out.getFileName().toString());
      }
      expected.sort(null);
      assertEquals(expected, names, "no temporary files are left behind");
    }
  }

  @Test
  void fillsNanWithTheGivenValue() throws IOException {
    Random r = new Random(4);
    List<String> lines = new ArrayList<>(List.of(HEADER));
    for (int d = 0; d < 4; d++) {
      String l = line(d, d, r);
      String[] f = l.split(",", -1);
      f[20] = "";
      f[21] = "nan";
      f[22] = "NAN";
      lines.add(String.join(",", f));
    }
    Path csv = writeCsv(dir.resolve("train.csv"), lines, "\n");
    Path out = dir.resolve("data");
    CsvConverter.convert(csv, out, new CsvConverter.Options(1, 2, 0.5f, null));
    assertEquals(0.5f, NanFill.recorded(out), "the folder records its fill for the models trained on it");
    List<float[]> rows = readRows(out.resolve("fold0/0.tfrec"));
    assertEquals(2, rows.size());
    for (float[] row : rows) {
      assertEquals(0.5f, row[20]);
      assertEquals(0.5f, row[21]);
      assertEquals(0.5f, row[22]);
    }
  }

  @Test
  void namesTheLineOfAMalformedRowAndWritesNothing() throws IOException {
    Random r = new Random(5);
    List<String> lines = new ArrayList<>(List.of(HEADER));
    for (int d = 0; d < 8; d++) {
      lines.add(line(d, d, r));
    }
    String bad = lines.get(6).replaceFirst(",[^,]*,", ",0.5x,");
    lines.set(6, bad);
    Path csv = writeCsv(dir.resolve("train.csv"), lines, "\n");
    Path out = dir.resolve("data");
    CsvFormatException e = assertThrows(CsvFormatException.class,
        () -> CsvConverter.convert(csv, out, new CsvConverter.Options(2, 2, -100f, null)));
    assertEquals(7, e.line());
    assertEquals(csv + " line 7: column 2 (weight): '0.5x' is not a number", e.getMessage());
    assertFalse(Files.exists(out));
    assertOnlyOutputLeft(null);
  }

  @Test
  void rejectsALineWithTheWrongFieldCount() throws IOException {
    Random r = new Random(6);
    List<String> lines = new ArrayList<>(List.of(HEADER));
    for (int d = 0; d < 8; d++) {
      lines.add(line(d, d, r));
    }
    lines.set(4, lines.get(4) + ",1");
    Path csv = writeCsv(dir.resolve("train.csv"), lines, "\n");
    CsvFormatException e = assertThrows(CsvFormatException.class,
        () -> CsvConverter.convert(csv, dir.resolve("data"), new CsvConverter.Options(2, 2, -100f, null)));
    assertEquals(csv + " line 5: expected 138 fields, found 139", e.getMessage());
  }

  @Test
  void rejectsAWrongHeaderAndAFractionalDate() throws IOException {
    Path csv = writeCsv(dir.resolve("train.csv"), List.of(HEADER.replace("resp_3", "resp3")), "\n");
    CsvFormatException e = assertThrows(CsvFormatException.class,
        () -> CsvConverter.convert(csv, dir.resolve("data"), CsvConverter.Options.defaults()));
    assertTrue(e.getMessage().startsWith(csv + " line 1: header column 5 is 'resp3', expected 'resp_3'"),
        e.getMessage());
    Random r = new Random(7);
    Path csv2 = writeCsv(dir.resolve("train.csv"), List.of(HEADER, line(1, 0, r).replaceFirst("^1,", "1.5,")), "\n");
    CsvFormatException f = assertThrows(CsvFormatException.class,
        () -> CsvConverter.convert(csv2, dir.resolve("data"), CsvConverter.Options.defaults()));
    assertEquals(csv2 + " line 2: date 1.5 is not a whole number", f.getMessage());
  }

  @Test
  void refusesToOverwriteAnExistingDataset() throws IOException {
    Random r = new Random(8);
    List<String> lines = new ArrayList<>(List.of(HEADER));
    for (int d = 0; d < 4; d++) {
      lines.add(line(d, d, r));
    }
    Path csv = writeCsv(dir.resolve("train.csv"), lines, "\n");
    Path out = Files.createDirectory(dir.resolve("data"));
    Files.writeString(out.resolve("keep.txt"), "precious");
    FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class,
        () -> CsvConverter.convert(csv, out, new CsvConverter.Options(2, 2, -100f, null)));
    assertTrue(e.getMessage().contains("output folder exists and is not empty"), e.getMessage());
    assertEquals("precious", Files.readString(out.resolve("keep.txt")));
  }

  /** Eight valid lines (dates 0..7) with field {@code col} (0-based) of line {@code at} (1-based) set to {@code v}. */
  static Path csvWith(Path file, int at, int col, String v) throws IOException {
    Random r = new Random(9);
    List<String> lines = new ArrayList<>(List.of(HEADER));
    for (int d = 0; d < 8; d++) {
      lines.add(line(d, d, r));
    }
    String[] f = lines.get(at - 1).split(",", -1);
    f[col] = v;
    lines.set(at - 1, String.join(",", f));
    return writeCsv(file, lines, "\n");
  }

  @Test
  void refusesAValueThatIsInfiniteInFloat32AndNamesItsLineAndColumn() throws IOException {
    for (String inf : List.of("1e999", "-1e999", "3.5e38", "inf", "Infinity")) {
      Path csv = csvWith(dir.resolve("train.csv"), 5, 12, inf);
      Path out = dir.resolve("data");
      CsvFormatException e = assertThrows(CsvFormatException.class,
          () -> CsvConverter.convert(csv, out, new CsvConverter.Options(2, 2, -100f, null)), inf);
      assertEquals(5, e.line(), inf);
      assertTrue(e.getMessage().startsWith(csv + " line 5: column 13 (feature_5): '" + inf + "' is "),
          e.getMessage());
      assertTrue(e.getMessage().contains("Inf") || e.getMessage().contains("not a number"), e.getMessage());
      assertFalse(Files.exists(out), "nothing is written");
    }
    // Missing values stay missing: filled, as before.
    Path csv = csvWith(dir.resolve("train.csv"), 5, 12, "nan");
    CsvConverter.convert(csv, dir.resolve("ok"), new CsvConverter.Options(1, 1, -100f, null));
    assertEquals(-100f, readRows(dir.resolve("ok/fold0/0.tfrec")).get(3)[12]);
  }

  @Test
  void aNonFiniteFillValueIsRefused() {
    for (float fill : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> new CsvConverter.Options(5, 5, fill, null));
      assertTrue(e.getMessage().contains("--nan-fill must be a finite number"), e.getMessage());
    }
  }

  @Test
  void datesBeyondFloat32PrecisionChooseTheirFoldExactly() throws IOException {
    Random r = new Random(10);
    // 2^24 and 2^24 + 1 are one float32 apart from nothing: (float) 16777217 == 16777216.
    List<String> lines = List.of(HEADER, line(16_777_216, 0, r), line(16_777_217, 1, r));
    Path csv = writeCsv(dir.resolve("train.csv"), lines, "\n");
    CsvConverter.Result res = CsvConverter.convert(csv, dir.resolve("data"), new CsvConverter.Options(2, 1, 0f, null));
    assertEquals(16_777_216, res.minDate());
    assertEquals(16_777_217, res.maxDate());
    assertEquals(1L, res.foldRows().get(0));
    assertEquals(1L, res.foldRows().get(1), "the later date is in the second fold");
  }
}
