package dev.kiln.io.pipeline;

import dev.kiln.io.dataset.Columns;
import dev.kiln.io.dataset.RowReader;
import dev.kiln.io.tfrecord.TFRecordReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The rows of one dataset file, decoded once: the 130 features of every row in one contiguous row-major
 * {@code float[]} (so a window of consecutive rows is one contiguous run of floats), and the date, resp, weight and
 * ts_id of every row side by side in a second array, and the columns a model is trained on (its targets: resp by
 * default) in a third. Windows and batches are cut from it without decoding again.
 */
public final class Shard {
  private final String name;
  private final int rows;
  // Per row: date, resp, weight, ts_id side by side, so that labelling a window touches one cache line.
  private static final int META = 4;
  // Rows allocated before any is read: a shard of the seed's data (about 100,000 rows) grows from it a few times.
  private static final int FIRST_CAPACITY = 1 << 16;

  private final float[] features;
  private final float[] meta;
  private final float[] targets;
  private final int targetCount;
  private final long skipped;

  private Shard(String name, int rows, float[] features, float[] meta, float[] targets, int targetCount,
      long skipped) {
    this.name = name;
    this.rows = rows;
    this.features = features;
    this.meta = meta;
    this.targets = targets;
    this.targetCount = targetCount;
    this.skipped = skipped;
  }

  /** The seed's only target. */
  public static final List<String> RESP = List.of("resp");

  /** As {@link #load(Path, Columns, TFRecordReader.Options, List)} with the seed's target, resp. */
  public static Shard load(Path file, Columns columns, TFRecordReader.Options options) throws IOException {
    return load(file, columns, options, RESP);
  }

  /**
   * Reads and decodes every row of {@code file}, whose rows follow {@code columns}. Memory grows with the rows actually
   * read: the file's size only caps the first allocation, since a size (a sparse file, say) promises no rows.
   * {@code targets} names the columns kept per row as the targets (each must be a column of {@code columns}).
   */
  public static Shard load(Path file, Columns columns, TFRecordReader.Options options, List<String> targets)
      throws IOException {
    return load(file, columns, options, targets, RowFilter.ALL);
  }

  /** As above, keeping only the rows {@code filter} keeps. */
  public static Shard load(Path file, Columns columns, TFRecordReader.Options options, List<String> targets,
      RowFilter filter) throws IOException {
    int width = columns.count();
    long estimate = Files.size(file) / (16 + 12 + 4L * width) + 1;
    Builder b = new Builder(file.toString(), columns, (int) Math.min(estimate, FIRST_CAPACITY), targets);
    float[] row = new float[width];
    try (RowReader reader = RowReader.open(file, columns, options)) {
      while (reader.next(row, 0)) {
        if (b.rows == Integer.MAX_VALUE / Columns.FEATURES) {
          throw new IOException(file + ": more than " + b.rows + " rows; split the file");
        }
        if (filter.keeps(row[columns.date()], row[columns.weight()])) b.add(row);
      }
      return b.build(reader.skipped());
    }
  }

  /** A shard of {@code rows} rows given row-major in {@code data} (each row laid out as {@code columns}). */
  public static Shard of(String name, Columns columns, float[] data, int rows) {
    return of(name, columns, data, rows, RESP);
  }

  /** As above, keeping the {@code targets} columns. */
  public static Shard of(String name, Columns columns, float[] data, int rows, List<String> targets) {
    if ((long) rows * columns.count() > data.length) {
      throw new IllegalArgumentException(rows + " rows of " + columns.count() + " need " + (long) rows
          * columns.count() + " values, got " + data.length);
    }
    Builder b = new Builder(name, columns, rows, targets);
    float[] row = new float[columns.count()];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(data, r * columns.count(), row, 0, row.length);
      b.add(row);
    }
    return b.build(0);
  }

  /** The file (or given name) the rows came from. */
  public String name() {
    return name;
  }

  /** The number of rows. */
  public int rows() {
    return rows;
  }

  /** All rows' features, row-major, {@code rows() * 130} floats. Shared, not copied: do not modify. */
  public float[] features() {
    return features;
  }

  /** The date of row {@code r}. */
  public float date(int r) {
    return meta[r * META];
  }

  /** The resp of row {@code r}. */
  public float resp(int r) {
    return meta[r * META + 1];
  }

  /** Target {@code j} (a column named in {@link #load}'s targets; resp by default) of row {@code r}. */
  public float target(int r, int j) {
    return targets[r * targetCount + j];
  }

  /** The number of targets kept per row. */
  public int targetCount() {
    return targetCount;
  }

  /** The weight of row {@code r}. */
  public float weight(int r) {
    return meta[r * META + 2];
  }

  /** The ts_id of row {@code r}. */
  public long tsId(int r) {
    return (long) meta[r * META + 3];
  }

  /** Corrupt records skipped while loading. */
  public long skipped() {
    return skipped;
  }

  /**
   * The starts of the windows of {@code window} rows that lie within one date, ascending, as a boolean per raw window
   * start (0 .. rows - window): a window is kept when all its rows share one date, as the seed's filter does.
   */
  boolean[] singleDateStarts(int window) {
    int raw = Math.max(0, rows - window + 1);
    boolean[] ok = new boolean[raw];
    if (raw == 0) {
      return ok;
    }
    // runEnd[i]: one past the last row of the run of equal dates holding row i (computed right to left).
    int runEnd = rows;
    int[] ends = new int[rows];
    for (int i = rows - 1; i >= 0; i--) {
      if (i + 1 < rows && !(date(i) == date(i + 1))) {
        runEnd = i + 1;
      }
      ends[i] = runEnd;
    }
    for (int s = 0; s < raw; s++) {
      ok[s] = ends[s] >= s + window;
    }
    return ok;
  }

  private static final class Builder {
    final String name;
    final Columns cols;
    int rows;
    float[] features;
    float[] meta;
    final int[] targetColumns;
    float[] targets;

    Builder(String name, Columns cols, int capacity, List<String> targetNames) {
      this.name = name;
      this.cols = cols;
      if (targetNames.isEmpty()) throw new IllegalArgumentException("no targets");
      targetColumns = new int[targetNames.size()];
      for (int j = 0; j < targetColumns.length; j++) {
        targetColumns[j] = cols.indexOf(targetNames.get(j));
        if (targetColumns[j] < 0) {
          throw new IllegalArgumentException("target '" + targetNames.get(j) + "' is not a column of the dataset");
        }
      }
      int c = Math.max(16, capacity);
      features = new float[c * Columns.FEATURES];
      meta = new float[c * META];
      targets = new float[c * targetColumns.length];
    }

    void add(float[] row) {
      if (rows * META == meta.length) {
        int c = (int) Math.min((long) rows * 3 / 2 + 16, Integer.MAX_VALUE / Columns.FEATURES);
        features = Arrays.copyOf(features, c * Columns.FEATURES);
        meta = Arrays.copyOf(meta, c * META);
        targets = Arrays.copyOf(targets, c * targetColumns.length);
      }
      for (int j = 0; j < targetColumns.length; j++) targets[rows * targetColumns.length + j] = row[targetColumns[j]];
      System.arraycopy(row, cols.feature0(), features, rows * Columns.FEATURES, Columns.FEATURES);
      int m = rows * META;
      meta[m] = row[cols.date()];
      meta[m + 1] = row[cols.resp()];
      meta[m + 2] = row[cols.weight()];
      meta[m + 3] = row[cols.tsId()];
      rows++;
    }

    Shard build(long skipped) {
      if (meta.length != rows * META) {
        features = Arrays.copyOf(features, rows * Columns.FEATURES);
        meta = Arrays.copyOf(meta, rows * META);
        targets = Arrays.copyOf(targets, rows * targetColumns.length);
      }
      return new Shard(name, rows, features, meta, targets, targetColumns.length, skipped);
    }
  }
}
