package dev.kiln.train.cli;

import dev.kiln.io.dataset.DatasetDates;
import dev.kiln.io.tfrecord.TFRecordReader;
import dev.kiln.train.CrossValidation;
import dev.kiln.train.FitOptions;
import dev.kiln.train.PurgedSplits;
import dev.kiln.train.TrainOptions;
import dev.kiln.train.loop.DivergedException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kiln cv}: purged, time-ordered cross-validation over the dataset's dates ({@link PurgedSplits}, the Jane
 * Street competitors' PurgedGroupTimeSeriesSplit), one {@code kiln train} run per split in OUT/split-K, resumable,
 * and the splits' figures with their mean, standard deviation and weighted mean in OUT/cv.json.
 */
@Command(name = "cv", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Cross-validate on purged time-ordered splits of the dataset's dates: one training run per split "
        + "in OUT/split-K, then the figures of each and their mean in OUT/cv.json. Run again to continue.")
public final class CvCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin
  GpuFlags gpu;

  @Option(names = "--data", required = true, description = "Dataset folder (columns.json, stats.json, fold*/).")
  Path data;

  @Option(names = "--out", required = true,
      description = "Output folder: split-K/ per split (as kiln train writes) and cv.json; the same again continues.")
  Path out;

  @Option(names = "--splits", defaultValue = "5", description = "Splits (default ${DEFAULT-VALUE}).")
  int splits;

  @Option(names = "--gap", defaultValue = "31", paramLabel = "DATES",
      description = "Dates purged between each split's training and validation (default ${DEFAULT-VALUE}).")
  int gap;

  @Option(names = "--max-train-dates", paramLabel = "N",
      description = "Train on at most the last N dates before the gap (default all).")
  Integer maxTrainDates;

  @Option(names = "--max-valid-dates", paramLabel = "N",
      description = "Validate on at most N dates per split (default: dates // (splits + 1)).")
  Integer maxValidDates;

  @Option(names = "--weights", paramLabel = "W1,W2,...",
      description = "One weight per split for cv.json's weighted mean (default equal).")
  String weights;

  /** The model, batch, backend, rows and targets, as kiln train's. */
  @picocli.CommandLine.Mixin
  RunFlags run;

  /** The optimizer, learning-rate schedule and fit-callback flags, as kiln train's. */
  @picocli.CommandLine.Mixin
  FitFlags fitFlags;

  @Override
  public Integer call() throws Exception {
    int maxTrain = maxTrainDates == null ? PurgedSplits.UNLIMITED : maxTrainDates;
    int maxValid = maxValidDates == null ? PurgedSplits.UNLIMITED : maxValidDates;
    PurgedSplits.check(splits, gap, maxTrain, maxValid);
    double[] w = weights(weights, splits);
    FitOptions fit = run.fit(fitFlags);
    TrainOptions base = run.options(data, out, 5, 4, false, fit);
    fitFlags.notes().forEach(n -> System.err.println("kiln cv: note: " + n));
    System.out.println("reading the dates of " + data);
    int[] dates = DatasetDates.distinct(data, base.rowFilter(),
        run.skipCorrupt() ? TFRecordReader.Options.SKIP_CORRUPT : TFRecordReader.Options.DEFAULT);
    if (dates.length == 0) throw new IllegalArgumentException(data + " has no rows the row flags keep");
    List<PurgedSplits.Split> plan = PurgedSplits.of(dates, splits, gap, maxTrain, maxValid);
    System.out.println(dates.length + " distinct dates, " + dates[0] + ".." + dates[dates.length - 1] + ": " + splits
        + " splits of " + plan.get(0).validDates() + " validation dates, " + gap + " purged before each");
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("splits", splits);
    settings.put("gap", gap);
    settings.put("max_train_dates", maxTrainDates);
    settings.put("max_valid_dates", maxValidDates);
    settings.put("dates", List.of(dates[0], dates[dates.length - 1]));
    settings.put("date_count", dates.length);
    try {
      new CrossValidation(base, fit, plan, System.out).run(w, settings);
    } catch (DivergedException e) {
      System.err.println("kiln cv: " + e.getMessage());
      return 3;
    }
    return 0;
  }

  /** --weights: {@code splits} finite non-negative numbers, not all 0 (null: equal weights). */
  static double[] weights(String flag, int splits) {
    double[] w = new double[splits];
    if (flag == null) {
      java.util.Arrays.fill(w, 1);
      return w;
    }
    String[] parts = flag.split(",", -1);
    if (parts.length != splits) {
      throw new IllegalArgumentException("--weights gives " + parts.length + " weight(s) for " + splits + " splits");
    }
    double total = 0;
    for (int i = 0; i < splits; i++) {
      try {
        w[i] = Double.parseDouble(parts[i].strip());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--weights: '" + parts[i].strip() + "' is not a number");
      }
      if (!Double.isFinite(w[i]) || w[i] < 0) {
        throw new IllegalArgumentException("--weights must be finite and non-negative, got " + parts[i].strip());
      }
      total += w[i];
    }
    if (total == 0) throw new IllegalArgumentException("--weights are all 0");
    return w;
  }
}
