package dev.kiln.io.dataset;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.io.Progress;
import dev.kiln.io.tfrecord.TFRecordReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads every record of a dataset folder and counts, per fold, its files, rows and the single-date windows of a given
 * size (per file, windows never cross files; a run of n rows of one date gives max(0, n - window + 1)). Every record is
 * checked (CRCs, dtype, shape = the column count), so a corrupt file stops it with the located error. It is what
 * {@code kiln inspect} prints, and a check of the pipeline's window counts.
 */
public final class DatasetInspector {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One fold's counts. */
  public record FoldReport(int files, long rows, long windows) {}

  /** A dataset's counts: column count, each fold's counts, and the corrupt records skipped (0 unless skipping). */
  public record Report(int columns, Map<Integer, FoldReport> folds, long skipped, boolean skipping) {
    /** Freezes the fold map. */
    public Report {
      folds = Collections.unmodifiableMap(new TreeMap<>(folds));
    }

    /**
     * The report as {@code {"columns":138,"folds":{"0":{"files":5,"rows":N,"windows":W},...}}}, with
     * {@code "skipped"} added when corrupt records were being skipped.
     */
    public String toJson() {
      ObjectNode root = JSON.createObjectNode();
      root.put("columns", columns);
      ObjectNode fs = root.putObject("folds");
      for (Map.Entry<Integer, FoldReport> e : folds.entrySet()) {
        ObjectNode f = fs.putObject(Integer.toString(e.getKey()));
        f.put("files", e.getValue().files());
        f.put("rows", e.getValue().rows());
        f.put("windows", e.getValue().windows());
      }
      if (skipping) {
        root.put("skipped", skipped);
      }
      try {
        return JSON.writeValueAsString(root);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("cannot happen for a tree of numbers", e);
      }
    }
  }

  private DatasetInspector() {}

  /** Inspects the folder {@code dir} with windows of {@code window} rows; progress (by bytes) goes to {@code out}. */
  public static Report inspect(Path dir, int window, TFRecordReader.Options options, PrintStream out)
      throws IOException {
    if (window < 1) {
      throw new IllegalArgumentException("--window must be at least 1, got " + window);
    }
    DatasetFolder folder = DatasetFolder.open(dir);
    Columns columns = folder.columns();
    List<Integer> folds = folder.folds();
    if (folds.isEmpty()) {
      throw new java.nio.file.NoSuchFileException(dir.toString(), null, "dataset folder has no fold{f} folders");
    }
    long total = 0;
    for (Path p : folder.files(folds)) {
      total += Files.size(p);
    }
    Progress bar = new Progress(out, "inspect:", total);
    long done = 0;
    long skipped = 0;
    Map<Integer, FoldReport> reports = new TreeMap<>();
    float[] row = new float[columns.count()];
    for (int fold : folds) {
      List<Path> files = folder.files(fold);
      long rows = 0;
      long windows = 0;
      for (Path file : files) {
        try (RowReader reader = RowReader.open(file, columns, options)) {
          float runDate = Float.NaN;
          long run = 0;
          while (reader.next(row, 0)) {
            rows++;
            float d = row[columns.date()];
            if (run > 0 && d == runDate) {
              run++;
            } else {
              windows += Math.max(0, run - window + 1);
              runDate = d;
              run = 1;
            }
            if ((rows & 8191) == 0) {
              bar.update(done + reader.offset(), rows + " rows");
            }
          }
          windows += Math.max(0, run - window + 1);
          skipped += reader.skipped();
          done += reader.size();
        }
      }
      reports.put(fold, new FoldReport(files.size(), rows, windows));
    }
    bar.finish(total, "done");
    return new Report(columns.count(), reports, skipped, options.skipCorrupt());
  }
}
