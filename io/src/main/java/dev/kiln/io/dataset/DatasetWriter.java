package dev.kiln.io.dataset;

import dev.kiln.io.AtomicFiles;
import dev.kiln.io.tensor.TensorProtoCodec;
import dev.kiln.io.tfrecord.TFRecordWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a dataset folder atomically: everything goes into a temporary folder beside the target, which is renamed to
 * the target by {@link #commit()} once {@code columns.json}, {@code stats.json} and every {@code fold{f}/{i}.tfrec} are
 * complete. Closing without committing deletes the temporary folder. Each row is a float32 vector of the column count,
 * serialized as {@code tf.io.serialize_tensor} would.
 */
public final class DatasetWriter implements AutoCloseable {
  private final Path target;
  private final Path tmp;
  private final Columns columns;
  private final int folds;
  private final int filesPerFold;
  private final TFRecordWriter[][] writers;
  private final long[] rows;
  private final Map<String, Writable> extras = new LinkedHashMap<>();
  private boolean done;

  /** Something written as an extra file of the folder at commit. */
  @FunctionalInterface
  public interface Writable {
    /** Writes the file. */
    void writeTo(Path file) throws IOException;
  }

  /**
   * Starts a dataset at {@code target} with {@code folds} folds of {@code filesPerFold} files. The target must not
   * exist or be an empty folder.
   */
  public DatasetWriter(Path target, Columns columns, int folds, int filesPerFold) throws IOException {
    if (folds < 1 || filesPerFold < 1) {
      throw new IllegalArgumentException("folds and files per fold must be at least 1");
    }
    AtomicFiles.checkTargetFree(target.toAbsolutePath());
    this.target = target;
    this.columns = columns;
    this.folds = folds;
    this.filesPerFold = filesPerFold;
    this.tmp = AtomicFiles.tempDirFor(target);
    this.writers = new TFRecordWriter[folds][filesPerFold];
    this.rows = new long[folds];
    try {
      for (int f = 0; f < folds; f++) {
        Path dir = Files.createDirectory(tmp.resolve("fold" + f));
        for (int i = 0; i < filesPerFold; i++) {
          writers[f][i] = new TFRecordWriter(
              new BufferedOutputStream(Files.newOutputStream(dir.resolve(i + ".tfrec")), 1 << 18));
        }
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Appends {@code row} (one value per column) to file {@code file} of fold {@code fold}. */
  public void write(int fold, int file, float[] row) throws IOException {
    if (row.length != columns.count()) {
      throw new IllegalArgumentException("a row has " + columns.count() + " values, got " + row.length);
    }
    writers[fold][file].write(TensorProtoCodec.encodeFloatVector(row, 0, row.length));
    rows[fold]++;
  }

  /** Adds a file (such as {@code synthetic.json}) written into the folder at commit. */
  public void addFile(String name, Writable content) {
    extras.put(name, content);
  }

  /** Rows written so far to each fold. */
  public Map<Integer, Long> foldRows() {
    Map<Integer, Long> m = new TreeMap<>();
    for (int f = 0; f < folds; f++) {
      m.put(f, rows[f]);
    }
    return m;
  }

  /** Finishes the files, writes the JSON files and renames the folder into place. */
  public void commit() throws IOException {
    if (done) {
      throw new IllegalStateException("dataset already committed or closed");
    }
    try {
      closeWriters();
      columns.write(tmp.resolve("columns.json"));
      DatasetStats.fromFoldRows(foldRows()).write(tmp.resolve("stats.json"));
      for (Map.Entry<String, Writable> e : extras.entrySet()) {
        e.getValue().writeTo(tmp.resolve(e.getKey()));
      }
      AtomicFiles.publish(tmp, target);
      done = true;
    } finally {
      if (!done) {
        close();
      }
    }
  }

  /** Abandons an uncommitted dataset, deleting its temporary folder. */
  @Override
  public void close() throws IOException {
    if (done) {
      return;
    }
    done = true;
    try {
      closeWriters();
    } finally {
      AtomicFiles.deleteTree(tmp);
    }
  }

  private void closeWriters() throws IOException {
    IOException first = null;
    for (TFRecordWriter[] ws : writers) {
      for (int i = 0; i < ws.length; i++) {
        if (ws[i] != null) {
          try {
            ws[i].close();
          } catch (IOException e) {
            if (first == null) {
              first = e;
            }
          }
          ws[i] = null;
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /** The number of folds. */
  public int folds() {
    return folds;
  }

  /** The number of files in each fold. */
  public int filesPerFold() {
    return filesPerFold;
  }
}
