package dev.kiln.io.dataset;

import dev.kiln.io.Progress;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Converts Kaggle's {@code train.csv} into a dataset folder as the seed's data was made: float64 values rounded to
 * float32, every NaN (an empty field or {@code nan}) replaced by the fill value (-100 by default), rows assigned to
 * folds and files by date blocks ({@link DateBlocks}), one record per row in CSV order.
 *
 * <p>It streams: a first pass reads the dates (and checks every line's field count) to learn the date range, a second
 * parses and writes; memory stays bounded by the line buffer and the output buffers whatever the file's size. Progress
 * goes to the given stream. The output folder appears only when complete (temporary folder, then rename). A malformed
 * line stops the conversion with its line number.
 */
public final class CsvConverter {
  private static final int MAX_LINE = 1 << 20;

  /** How to convert: fold and file counts, the NaN fill value and where progress goes (null for none). */
  public record Options(int folds, int filesPerFold, float nanFill, PrintStream progress) {
    /** The seed's layout: 5 folds of 5 files, NaN filled with -100, no progress output. */
    public static Options defaults() {
      return new Options(5, 5, -100f, null);
    }

    /** Checks the counts. */
    public Options {
      if (folds < 1 || filesPerFold < 1) {
        throw new IllegalArgumentException("--folds and --files-per-fold must be at least 1, got " + folds + " and "
            + filesPerFold);
      }
      if (!Float.isFinite(nanFill)) {
        throw new IllegalArgumentException("--nan-fill must be a finite number, got " + nanFill);
      }
    }
  }

  /** What a conversion wrote. */
  public record Result(long rows, int minDate, int maxDate, Map<Integer, Long> foldRows) {}

  private CsvConverter() {}

  /** Converts {@code csv} into a new dataset folder {@code out}. */
  public static Result convert(Path csv, Path out, Options options) throws IOException {
    if (!Files.isRegularFile(csv)) {
      throw new NoSuchFileException(csv.toString(), null, "no such CSV file");
    }
    Columns columns = Columns.standard();
    long size = Files.size(csv);
    int[] range = scanDates(csv, size, columns, options.progress());
    DateBlocks blocks = new DateBlocks(range[0], range[1], options.folds(), options.filesPerFold());
    long rows = 0;
    try (DatasetWriter writer = new DatasetWriter(out, columns, options.folds(), options.filesPerFold());
        LineScanner lines = new LineScanner(csv)) {
      writer.addFile(NanFill.CONVERSION,
          file -> NanFill.writeConversion(file, csv.getFileName().toString(), options.nanFill()));
      Progress progress = new Progress(options.progress(), "convert: writing ", size);
      float[] row = new float[columns.count()];
      lines.next();
      while (lines.next()) {
        if (lines.blank()) {
          continue;
        }
        int date = parseRow(lines, columns, options.nanFill(), row, csv);
        writer.write(blocks.fold(date), blocks.file(date), row);
        rows++;
        if ((rows & 4095) == 0) {
          progress.update(lines.bytesRead(), rows + " rows");
        }
      }
      progress.finish(size, rows + " rows");
      writer.commit();
      return new Result(rows, range[0], range[1], writer.foldRows());
    }
  }

  /** First pass: checks the header and each line's field count, and finds the smallest and largest date. */
  private static int[] scanDates(Path csv, long size, Columns columns, PrintStream out) throws IOException {
    int min = Integer.MAX_VALUE;
    int max = Integer.MIN_VALUE;
    long rows = 0;
    Progress progress = new Progress(out, "convert: scanning", size);
    try (LineScanner lines = new LineScanner(csv)) {
      if (!lines.next()) {
        throw new CsvFormatException(csv, 1, "the file is empty; expected a header line");
      }
      checkHeader(lines, columns.names(), csv);
      while (lines.next()) {
        if (lines.blank()) {
          continue;
        }
        int fields = lines.countFields();
        if (fields != columns.count()) {
          throw new CsvFormatException(csv, lines.lineNumber(), "expected " + columns.count() + " fields, found "
              + fields);
        }
        int date = parseDate(lines, csv);
        min = Math.min(min, date);
        max = Math.max(max, date);
        rows++;
        if ((rows & 4095) == 0) {
          progress.update(lines.bytesRead(), rows + " rows");
        }
      }
    }
    progress.finish(size, rows + " rows");
    if (rows == 0) {
      throw new CsvFormatException(csv, 2, "the file has a header but no data rows");
    }
    return new int[] {min, max};
  }

  private static void checkHeader(LineScanner lines, List<String> expected, Path csv) throws IOException {
    String[] names = lines.text().split(",", -1);
    for (int i = 0; i < Math.max(names.length, expected.size()); i++) {
      String got = i < names.length ? names[i].trim() : null;
      String want = i < expected.size() ? expected.get(i) : null;
      if (got == null || !got.equals(want)) {
        throw new CsvFormatException(csv, 1, "header column " + (i + 1) + " is "
            + (got == null ? "missing" : "'" + got + "'") + ", expected "
            + (want == null ? "no more columns" : "'" + want + "'")
            + " (train.csv's columns: date, weight, resp_1..resp_4, resp, feature_0..feature_129, ts_id)");
      }
    }
  }

  private static int parseDate(LineScanner lines, Path csv) throws IOException {
    byte[] b = lines.buffer();
    int s = lines.start();
    int e = s;
    while (e < lines.end() && b[e] != ',') {
      e++;
    }
    return parseDate(b, s, e, lines, csv);
  }

  /** The date in bytes [s, e): a whole number in int range, exactly. */
  private static int parseDate(byte[] b, int s, int e, LineScanner lines, Path csv) throws IOException {
    if (s == e || isNan(b, s, e)) {
      throw new CsvFormatException(csv, lines.lineNumber(), "date is missing");
    }
    double d;
    try {
      d = DecimalParser.parse(b, s, e);
    } catch (NumberFormatException x) {
      throw new CsvFormatException(csv, lines.lineNumber(), "date '" + field(b, s, e) + "' is not a number");
    }
    if (d != Math.rint(d) || d < Integer.MIN_VALUE || d > Integer.MAX_VALUE) {
      throw new CsvFormatException(csv, lines.lineNumber(), "date " + d + " is not a whole number");
    }
    return (int) d;
  }

  /**
   * Parses a line into {@code row} (float32 values, missing ones filled) and returns its date, parsed exactly: a
   * date of 2^24 or more is not exact in float32, and the fold is chosen from the exact one.
   */
  private static int parseRow(LineScanner lines, Columns columns, float fill, float[] row, Path csv)
      throws IOException {
    byte[] b = lines.buffer();
    int end = lines.end();
    int s = lines.start();
    int date = 0;
    for (int col = 0; col < row.length; col++) {
      int e = s;
      while (e < end && b[e] != ',') {
        e++;
      }
      if (col < row.length - 1 ? e >= end : e != end) {
        throw new CsvFormatException(csv, lines.lineNumber(), "expected " + row.length + " fields");
      }
      if (col == columns.date()) {
        date = parseDate(b, s, e, lines, csv);
        row[col] = date;
      } else {
        row[col] = parseValue(b, s, e, fill, columns, col, lines, csv);
      }
      s = e + 1;
    }
    return date;
  }

  /**
   * One field as float32: empty or {@code nan} is missing and gets {@code fill}; a number beyond float32's range
   * (which would be ±Inf, as {@code 1e999} is) is refused, since one infinite input makes the whole model NaN.
   */
  private static float parseValue(byte[] b, int s, int e, float fill, Columns columns, int col, LineScanner lines,
      Path csv) throws IOException {
    if (s == e || isNan(b, s, e)) {
      return fill;
    }
    float v;
    try {
      double d = DecimalParser.parse(b, s, e);
      v = Double.isNaN(d) ? fill : (float) d;
    } catch (NumberFormatException x) {
      throw new CsvFormatException(csv, lines.lineNumber(), String.format(Locale.ROOT,
          "column %d (%s): '%s' is not a number", col + 1, columns.names().get(col), field(b, s, e)));
    }
    if (Float.isInfinite(v)) {
      throw new CsvFormatException(csv, lines.lineNumber(), String.format(Locale.ROOT,
          "column %d (%s): '%s' is %s in float32; Kiln refuses infinite values (leave a missing value empty)",
          col + 1, columns.names().get(col), field(b, s, e), v > 0 ? "+Inf" : "-Inf"));
    }
    return v;
  }

  private static String field(byte[] b, int s, int e) {
    return new String(b, s, Math.min(e - s, 40), java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  private static boolean isNan(byte[] b, int s, int e) {
    return e - s == 3 && (b[s] | 0x20) == 'n' && (b[s + 1] | 0x20) == 'a' && (b[s + 2] | 0x20) == 'n';
  }

  /** Reads a file line by line into a reusable byte buffer, counting lines and bytes. */
  private static final class LineScanner implements AutoCloseable {
    private final Path file;
    private final InputStream in;
    private byte[] buf = new byte[1 << 20];
    private int len;
    private int pos;
    private int start;
    private int end;
    private long line;
    private long consumed;
    private boolean eof;

    LineScanner(Path file) throws IOException {
      this.file = file;
      this.in = Files.newInputStream(file);
    }

    /** Advances to the next line; false at the end of the file. */
    boolean next() throws IOException {
      while (true) {
        for (int i = pos; i < len; i++) {
          if (buf[i] == '\n') {
            setLine(pos, i);
            pos = i + 1;
            return true;
          }
        }
        if (eof) {
          if (pos < len) {
            setLine(pos, len);
            pos = len;
            return true;
          }
          return false;
        }
        refill();
      }
    }

    private void setLine(int from, int to) {
      line++;
      start = from;
      end = to > from && buf[to - 1] == '\r' ? to - 1 : to;
      if (line == 1 && end - start >= 3 && buf[start] == (byte) 0xEF && buf[start + 1] == (byte) 0xBB
          && buf[start + 2] == (byte) 0xBF) {
        start += 3;
      }
    }

    private void refill() throws IOException {
      if (pos > 0) {
        System.arraycopy(buf, pos, buf, 0, len - pos);
        consumed += pos;
        len -= pos;
        pos = 0;
      }
      if (len == buf.length) {
        if (buf.length >= MAX_LINE * 2) {
          throw new CsvFormatException(file, line + 1, "line is longer than " + MAX_LINE * 2 + " bytes");
        }
        buf = java.util.Arrays.copyOf(buf, buf.length * 2);
      }
      int r = in.read(buf, len, buf.length - len);
      if (r < 0) {
        eof = true;
      } else {
        len += r;
      }
    }

    boolean blank() {
      for (int i = start; i < end; i++) {
        if (buf[i] != ' ' && buf[i] != '\t') {
          return false;
        }
      }
      return true;
    }

    int countFields() {
      int n = 1;
      for (int i = start; i < end; i++) {
        if (buf[i] == ',') {
          n++;
        }
      }
      return n;
    }

    String text() {
      return new String(buf, start, end - start, java.nio.charset.StandardCharsets.UTF_8);
    }

    byte[] buffer() {
      return buf;
    }

    int start() {
      return start;
    }

    int end() {
      return end;
    }

    long lineNumber() {
      return line;
    }

    long bytesRead() {
      return consumed + pos;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
