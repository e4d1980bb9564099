package dev.kiln.train.cli;

import dev.kiln.io.dataset.CsvConverter;
import dev.kiln.train.RunLock;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code kiln convert}: turns Kaggle's {@code train.csv} into the seed's dataset folder (TFRecord folds by date,
 * columns.json, stats.json), streaming the CSV with a progress bar and writing the folder atomically.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
    description = "Convert Kaggle's train.csv into a dataset folder of TFRecord folds (as the seed's data).")
public final class ConvertCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--csv", required = true, paramLabel = "FILE", description = "the train.csv to convert")
  Path csv;

  @Option(names = "--out", required = true, paramLabel = "DIR",
      description = "the dataset folder to create (must not exist, or be empty)")
  Path out;

  @Option(names = "--folds", defaultValue = "5", description = "folds, by blocks of dates (default: ${DEFAULT-VALUE})")
  int folds;

  @Option(names = "--files-per-fold", defaultValue = "5",
      description = "files per fold, each of equal date span (default: ${DEFAULT-VALUE})")
  int filesPerFold;

  @Option(names = "--nan-fill", defaultValue = "-100",
      description = "the value NaNs (empty fields, nan) become (default: ${DEFAULT-VALUE})")
  float nanFill;

  @Override
  public Integer call() {
    // One convert per output at a time (a lock file beside it, as the output appears by a rename); the temporary
    // folders of converts killed midway, beside the output, are removed under the lock.
    PrintStream progress = new PrintStream(System.err, true, StandardCharsets.UTF_8);
    try (RunLock lock = DatasetOutput.lock(out, progress)) {
      CsvConverter.Result r = CsvConverter.convert(csv, out,
          new CsvConverter.Options(folds, filesPerFold, nanFill, progress));
      spec.commandLine().getOut().println("converted " + r.rows() + " rows (dates " + r.minDate() + ".." + r.maxDate()
          + ") into " + out + ": rows per fold " + r.foldRows());
      return 0;
    } catch (Exception e) {
      return CliErrors.fail(spec, e);
    }
  }
}
