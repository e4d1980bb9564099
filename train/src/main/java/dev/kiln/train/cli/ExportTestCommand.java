package dev.kiln.train.cli;

import dev.kiln.io.dataset.NanFill;
import dev.kiln.io.pipeline.WindowedDataset;
import dev.kiln.io.tfrecord.TFRecordReader;
import dev.kiln.train.stream.StreamPredictor;
import dev.kiln.train.stream.TestCsv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kiln export-test}: a fold of a dataset as the competition's example_test.csv, for stream and serve. */
@Command(name = "export-test", mixinStandardHelpOptions = true,
    description = "Write a fold as example_test.csv (date, weight, feature_0..129, ts_id; missing values empty).")
public final class ExportTestCommand implements Callable<Integer> {
  @Option(names = "--data", required = true, description = "Dataset folder.")
  Path data;

  @Option(names = "--fold", defaultValue = "4", description = "Fold to write (default ${DEFAULT-VALUE}: the holdout).")
  int fold;

  @Option(names = "--out", required = true, description = "CSV file to write.")
  Path out;

  @Override
  public Integer call() throws Exception {
    OptionChecks.atLeast("--fold", fold, 0);
    if (!Files.isDirectory(data)) throw new IllegalArgumentException("--data " + data + " is not a folder");
    if (Files.isDirectory(out)) throw new IllegalArgumentException("--out " + out + " is a folder, not a file");
    Float recorded = NanFill.recorded(data);
    float fill = recorded != null ? recorded : StreamPredictor.DEFAULT_FILL;
    WindowedDataset d = WindowedDataset.load(data, List.of(fold), 1, TFRecordReader.Options.DEFAULT);
    long rows = TestCsv.write(d.shards(), out, fill);
    System.out.printf("wrote %,d rows of fold %d to %s (values equal to the fill %s written empty%s)%n", rows, fold,
        out, fill, recorded != null ? "" : ": the dataset records none, so the converter's default");
    return 0;
  }
}
