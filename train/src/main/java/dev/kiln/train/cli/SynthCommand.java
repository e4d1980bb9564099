package dev.kiln.train.cli;

import dev.kiln.io.dataset.SyntheticMarket;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code kiln synth}: writes a synthetic market in the seed's dataset layout, with a planted, learnable signal and
 * {@code synthetic.json} stating the best AUC a model can reach on the holdout fold, for runs without the real data.
 */
@Command(name = "synth", mixinStandardHelpOptions = true,
    description = "Generate a synthetic market dataset folder (train.csv's schema, a learnable signal).")
public final class SynthCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--out", required = true, paramLabel = "DIR",
      description = "the dataset folder to create (must not exist, or be empty)")
  Path out;

  @Option(names = "--days", defaultValue = "500", description = "trading days (default: ${DEFAULT-VALUE})")
  int days;

  @Option(names = "--rows-per-day", defaultValue = "4800",
      description = "typical rows a day; days vary around it (default: ${DEFAULT-VALUE})")
  int rowsPerDay;

  @Option(names = "--seed", defaultValue = "42", description = "random seed (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--folds", defaultValue = "5", description = "folds (default: ${DEFAULT-VALUE})")
  int folds;

  @Option(names = "--files-per-fold", defaultValue = "5", description = "files per fold (default: ${DEFAULT-VALUE})")
  int filesPerFold;

  @Override
  public Integer call() {
    PrintStream progress = new PrintStream(System.err, true, StandardCharsets.UTF_8);
    try (dev.kiln.train.RunLock lock = DatasetOutput.lock(out, progress)) {
      SyntheticMarket.Settings d = SyntheticMarket.Settings.defaults();
      SyntheticMarket.Settings s = new SyntheticMarket.Settings(days, rowsPerDay, seed, folds, filesPerFold,
          d.nanFill(), d.signalStrength(), d.window());
      SyntheticMarket.Result r = SyntheticMarket.generate(out, s, progress);
      spec.commandLine().getOut().println(String.format(Locale.ROOT,
          "wrote %d rows of %d days into %s; ceiling AUC on fold %d's %d windows: %.4f (see synthetic.json)",
          r.rows(), days, out, folds - 1, r.holdoutWindows(), r.ceilingAuc()));
      return 0;
    } catch (Exception e) {
      return CliErrors.fail(spec, e);
    }
  }
}
