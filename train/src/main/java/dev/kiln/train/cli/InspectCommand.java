package dev.kiln.train.cli;

import dev.kiln.io.dataset.DatasetInspector;
import dev.kiln.io.tfrecord.TFRecordReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kiln inspect}: reads every record of a dataset folder and prints, as JSON, each fold's files, rows and
 * single-date windows; a corrupt record stops it with the file, offset and record number.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = "Read every record of a dataset folder and print its folds' files, rows and windows as JSON.")
public final class InspectCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "the dataset folder")
  Path dir;

  @Option(names = "--window", defaultValue = "20", description = "window size to count (default: ${DEFAULT-VALUE})")
  int window;

  @Option(names = "--skip-corrupt", description = "skip and count corrupt records instead of stopping")
  boolean skipCorrupt;

  @Override
  public Integer call() {
    try {
      PrintStream progress = new PrintStream(System.err, true, StandardCharsets.UTF_8);
      DatasetInspector.Report r = DatasetInspector.inspect(dir, window,
          skipCorrupt ? TFRecordReader.Options.SKIP_CORRUPT : TFRecordReader.Options.DEFAULT, progress);
      spec.commandLine().getOut().println(r.toJson());
      return 0;
    } catch (Exception e) {
      return CliErrors.fail(spec, e);
    }
  }
}
