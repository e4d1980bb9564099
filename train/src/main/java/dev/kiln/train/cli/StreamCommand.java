package dev.kiln.train.cli;

import dev.kiln.train.stream.Replay;
import dev.kiln.train.stream.StreamPredictor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kiln stream}: the competition's one-row-at-a-time loop replayed from a CSV. */
@Command(name = "stream", mixinStandardHelpOptions = true,
    description = {"Answer a test CSV (example_test.csv's columns; header names decide, extra columns ignored) one row"
        + " at a time, as the competition's API served it, and write ts_id, probability and action per row.",
        "Windows: the last W rows of the row's date, the date's first row repeated in front until W rows have come."
        + " Action: 1 when the mean probability is above 0.5."})
public final class StreamCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin
  PredictorFlags predictor;

  @Option(names = "--csv", required = true, description = "Test rows: date, weight, feature_0..129, ts_id.")
  Path csv;

  @Option(names = "--out", required = true,
      description = "CSV to write: ts_id, probability (or probability_0..k-1), action.")
  Path out;

  @Option(names = "--warmup", defaultValue = "0", paramLabel = "ROWS", description = "Answer the first ROWS rows on a "
      + "separate predictor first, untimed and discarded, so that the timed replay runs compiled code (default 0).")
  int warmup;

  @Override
  public Integer call() throws Exception {
    OptionChecks.atLeast("--warmup", warmup, 0);
    if (!Files.isRegularFile(csv)) throw new IllegalArgumentException("--csv " + csv + " is not a file");
    if (Files.isDirectory(out)) throw new IllegalArgumentException("--out " + out + " is a folder, not a file");
    if (warmup > 0) {
      try (StreamPredictor w = predictor.open()) {
        Replay.warm(w, csv, warmup);
      }
    }
    try (StreamPredictor p = predictor.open()) {
      System.out.println("kiln stream: missing features become " + p.nanFillNote() + "; model steps: "
          + String.join("; ", p.describe()) + (p.outputNote().isEmpty() ? "" : "; answering " + p.outputNote()));
      Replay.run(p, csv, out, System.out);
    }
    return 0;
  }
}
