package dev.kiln.train;

import dev.kiln.tpu.PluginLocator;
import dev.kiln.io.dataset.SyntheticMarket;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Synthetic datasets cached under {@code ~/.cache/kiln/demo-data/<settings>/}, made once (atomically, by the
 * generator) and reused by {@code kiln demo} and {@code kiln bench}.
 */
public final class DemoData {
  private DemoData() {}

  public static Path ensure(SyntheticMarket.Settings s, PrintStream log) throws IOException {
    String key = "days" + s.days() + "-rows" + s.rowsPerDay() + "-folds" + s.folds() + "x" + s.filesPerFold()
        + "-seed" + s.seed() + "-v1";
    Path dir = PluginLocator.cacheRoot().resolve("demo-data").resolve(key);
    if (Files.isRegularFile(dir.resolve("synthetic.json"))) {
      log.println("using the cached synthetic dataset " + dir);
      return dir;
    }
    Files.createDirectories(dir.getParent());
    if (Files.exists(dir)) {
      // An interrupted earlier generation left an incomplete folder; the generator writes atomically, so this only
      // happens if it was created by hand. Start again.
      dev.kiln.io.AtomicFiles.deleteTree(dir);
    }
    log.println("generating a synthetic dataset into " + dir);
    SyntheticMarket.generate(dir, s, log);
    return dir;
  }
}
