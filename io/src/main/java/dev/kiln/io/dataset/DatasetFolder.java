package dev.kiln.io.dataset;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A dataset folder in the seed's layout: {@code columns.json}, {@code stats.json} and {@code fold{f}/*.tfrec}. Files of
 * a fold are listed in the order {@code tf.io.gfile.glob} gives (by name), which fixes the interleave order.
 */
public final class DatasetFolder {
  private static final Pattern FOLD = Pattern.compile("fold(\\d+)");
  // The smallest TFRecord record: a 12-byte header, no data, a 4-byte data CRC.
  private static final int MIN_RECORD_BYTES = 16;

  private final Path root;
  private final Columns columns;

  private DatasetFolder(Path root, Columns columns) {
    this.root = root;
    this.columns = columns;
  }

  /** Opens the folder at {@code root}, reading its {@code columns.json}. */
  public static DatasetFolder open(Path root) throws IOException {
    if (!Files.isDirectory(root)) {
      throw new NoSuchFileException(root.toString(), null, "not a dataset folder");
    }
    Path cols = root.resolve("columns.json");
    if (!Files.isRegularFile(cols)) {
      throw new NoSuchFileException(cols.toString(), null, "dataset folder has no columns.json");
    }
    return new DatasetFolder(root, Columns.read(cols));
  }

  /** The folder. */
  public Path root() {
    return root;
  }

  /** The column map. */
  public Columns columns() {
    return columns;
  }

  /**
   * Reads {@code stats.json} and checks each length against what the folder's record files can hold (a record takes
   * at least 16 bytes), so that a corrupt or foreign length cannot size an epoch of billions of steps.
   */
  public DatasetStats stats() throws IOException {
    Path s = root.resolve("stats.json");
    if (!Files.isRegularFile(s)) {
      throw new NoSuchFileException(s.toString(), null, "dataset folder has no stats.json");
    }
    DatasetStats stats = DatasetStats.read(s);
    long bytes = 0;
    for (Path p : files(folds())) {
      bytes += Files.size(p);
    }
    long most = bytes / MIN_RECORD_BYTES;
    for (Map.Entry<Integer, Long> e : stats.lengths().entrySet()) {
      if (e.getValue() > most) {
        throw new IOException(s + ": fold " + e.getKey() + "'s length " + e.getValue() + " is more rows than the "
            + "folder's .tfrec files (" + bytes + " bytes) can hold (at most " + most + ")");
      }
    }
    return stats;
  }

  /** The fold numbers present ({@code fold{f}} folders), ascending. */
  public List<Integer> folds() throws IOException {
    List<Integer> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(root)) {
      for (Path p : s.toList()) {
        Matcher m = FOLD.matcher(p.getFileName().toString());
        if (Files.isDirectory(p) && m.matches()) {
          out.add(Integer.parseInt(m.group(1)));
        }
      }
    }
    out.sort(null);
    return out;
  }

  /** The record files of fold {@code fold}, sorted by name; an error when the fold has none. */
  public List<Path> files(int fold) throws IOException {
    Path dir = root.resolve("fold" + fold);
    if (!Files.isDirectory(dir)) {
      throw new NoSuchFileException(dir.toString(), null, "dataset has no fold " + fold);
    }
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".tfrec")).toList()) {
        if (!Files.isRegularFile(p)) {
          throw new IOException(p + ": not a regular file; a fold's .tfrec entries must be record files");
        }
        files.add(p);
      }
    }
    if (files.isEmpty()) {
      throw new NoSuchFileException(dir.toString(), null, "fold " + fold + " has no .tfrec files");
    }
    files.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
    return files;
  }

  /** The record files of several folds, fold by fold in the order given. */
  public List<Path> files(List<Integer> folds) throws IOException {
    List<Path> out = new ArrayList<>();
    for (int f : folds) {
      out.addAll(files(f));
    }
    return out;
  }
}
