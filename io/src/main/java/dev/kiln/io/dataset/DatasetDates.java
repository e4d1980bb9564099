package dev.kiln.io.dataset;

import dev.kiln.io.pipeline.RowFilter;
import dev.kiln.io.tfrecord.TFRecordReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * The distinct dates of a dataset folder's rows, ascending: the groups a time-ordered cross-validation splits. Every
 * record of every fold is read (and checked, as the pipeline checks it); only the rows {@code filter} keeps count.
 */
public final class DatasetDates {
  private DatasetDates() {}

  /** The distinct dates of the rows of all folds of {@code root} that {@code filter} keeps, ascending. */
  public static int[] distinct(Path root, RowFilter filter, TFRecordReader.Options options) throws IOException {
    DatasetFolder folder = DatasetFolder.open(root);
    Columns columns = folder.columns();
    if (folder.folds().isEmpty()) {
      throw new java.nio.file.NoSuchFileException(root.toString(), null, "dataset folder has no fold{f} folders");
    }
    Set<Integer> dates = new HashSet<>();
    float[] row = new float[columns.count()];
    for (Path file : folder.files(folder.folds())) {
      try (RowReader reader = RowReader.open(file, columns, options)) {
        while (reader.next(row, 0)) {
          float d = row[columns.date()];
          if (d != Math.rint(d)) throw new IOException(file + ": date " + d + " is not a whole number");
          if (filter.keeps(d, row[columns.weight()])) dates.add((int) d);
        }
      }
    }
    int[] out = dates.stream().mapToInt(Integer::intValue).toArray();
    Arrays.sort(out);
    return out;
  }
}
