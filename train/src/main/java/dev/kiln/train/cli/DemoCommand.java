package dev.kiln.train.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.io.dataset.SyntheticMarket;
import dev.kiln.train.TrainOptions;
import dev.kiln.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kiln demo}: generates (once, cached) a small synthetic market, trains the seed's model on it and writes
 * everything {@code kiln train} writes; then checks the validation AUC against the data's ceiling.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Train the seed's model on a small synthetic dataset (a few minutes on 2 cores).")
public final class DemoCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin
  GpuFlags gpu;

  @Option(names = "--out", defaultValue = "runs/demo",
      description = "Output folder (default ${DEFAULT-VALUE}; an existing non-empty one is kept and -2, -3... used).")
  Path out;

  @Option(names = "--backend", defaultValue = "java", description = "Backend (default ${DEFAULT-VALUE}).")
  String backend;

  @Option(names = "--plugin", description = "PJRT plugin library (overrides discovery).")
  Path plugin;

  /** The demo's scale: about 100k rows; two epochs of 150 steps of 256 stay within one pass over the data. */
  static final SyntheticMarket.Settings DATA = new SyntheticMarket.Settings(100, 1000, 42, 5, 2, -100f, 1.0, 20);

  @Override
  public Integer call() throws Exception {
    Path data = dev.kiln.train.DemoData.ensure(DATA, System.out);
    Path o = freeFolder(out);
    // Batch 256 with the learning rate scaled down from the seed's 0.2 at 4096, so the run fits a few minutes.
    TrainOptions opts = new TrainOptions(data, o, 2, 256, 0.02, 0.9, 5, 4, 20, 0.1, 42, backend, plugin, 150, 0,
        0, false, false);
    Trainer.Result r = new Trainer(opts, System.out).run();
    JsonNode syn = new ObjectMapper().readTree(data.resolve("synthetic.json").toFile());
    double ceiling = syn.get("ceiling_auc").asDouble();
    double target = 0.5 + 0.7 * (ceiling - 0.5);
    double auc = ((Number) r.metrics().get("val_auc")).doubleValue();
    System.out.printf("validation AUC %.4f; target %.4f = 0.5 + 0.7 x (ceiling %.4f - 0.5): %s%n", auc, target,
        ceiling, auc >= target ? "reached" : "NOT reached");
    System.out.println("outputs in " + o.toAbsolutePath());
    return auc >= target ? 0 : 1;
  }

  /** {@code p}, or the first of p-2, p-3, ... that does not exist or is empty: earlier results are never lost. */
  static Path freeFolder(Path p) throws java.io.IOException {
    Path c = p;
    for (int i = 2; nonEmpty(c); i++) {
      c = p.resolveSibling(p.getFileName() + "-" + i);
    }
    return c;
  }

  private static boolean nonEmpty(Path dir) throws java.io.IOException {
    if (!Files.isDirectory(dir)) return Files.exists(dir);
    try (var s = Files.list(dir)) {
      return s.findAny().isPresent();
    }
  }
}
