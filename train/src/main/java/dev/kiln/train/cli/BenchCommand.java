package dev.kiln.train.cli;

import dev.kiln.train.Bench;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kiln bench}: samples per second and time per step of the seed's training step, resident and pipeline-fed; or, with
 * {@code --turns}, the resident step timed in turns for scripts/compare-cpu.sh.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Time the seed's compiled training step on a backend, resident and fed by the pipeline.")
public final class BenchCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin
  GpuFlags gpu;

  @Option(names = "--backend", defaultValue = "java", description = "Backend (default ${DEFAULT-VALUE}).")
  String backend;

  @Option(names = "--plugin", description = "PJRT plugin library (overrides discovery).")
  Path plugin;

  @Option(names = "--batch", defaultValue = "4096", description = "Global batch size (default ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--steps", defaultValue = "200", description = "Timed steps per mode (default ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--repeats", defaultValue = "5", description = "Timed runs the steps are split into (default ${DEFAULT-VALUE}).")
  int repeats;

  @Option(names = "--warmup", defaultValue = "5", description = "Untimed steps first (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--replicas", defaultValue = "0", description = "Replicas; 0 = one per accelerator device (default).")
  int replicas;

  @Option(names = "--modes", defaultValue = "all", paramLabel = "all|resident",
      description = "all: the three modes (default); resident: the resident batch only (the step alone, for A/B timing).")
  String modes;

  @Option(names = "--executables", description = "Load the steps from this folder (kiln compile --out) instead of "
      + "compiling them; a PJRT backend of the plugin and device they were compiled for.")
  Path executables;

  @Option(names = "--turns", description = "Serve timed turns of the resident step on stdin for a comparison script: "
      + "after the warm-up print 'ready', then for each line N run N steps and print their ms/step (log on stderr).")
  boolean turns;

  @Override
  public Integer call() throws Exception {
    OptionChecks.atLeast("--batch", batch, 1);
    OptionChecks.atLeast("--steps", steps, 1);
    OptionChecks.atLeast("--repeats", repeats, 1);
    OptionChecks.atLeast("--warmup", warmup, 0);
    OptionChecks.atLeast("--replicas", replicas, 0);
    if (!modes.equals("all") && !modes.equals("resident")) {
      throw new IllegalArgumentException("--modes must be all or resident, got " + modes);
    }
    if (executables != null && !modes.equals("resident")) {
      throw new IllegalArgumentException("--executables goes with --modes resident: the folder holds the seed's "
          + "training and evaluation steps, not the pipeline modes' programs");
    }
    if (turns) {
      Bench.serveTurns(backend, plugin, batch, warmup, replicas,
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), System.out, System.err);
      return 0;
    }
    System.out.print(Bench.table(Bench.run(backend, plugin, batch, steps, repeats, warmup, replicas,
        modes.equals("resident"), executables, System.out)));
    return 0;
  }
}
