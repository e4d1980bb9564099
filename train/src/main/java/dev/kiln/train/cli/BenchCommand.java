package dev.kiln.train.cli;

import dev.kiln.train.Bench;
import dev.kiln.train.BenchStep;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kiln bench}: samples per second and time per step of the seed's training step (or, with {@code --model}, a
 * Keras model's on {@code --targets} with {@code --optimizer}, as {@code kiln train} builds it), resident and
 * pipeline-fed; or, with {@code --turns}, the resident step timed in turns for scripts/compare-cpu.sh.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Time the seed's (or --model's) compiled training step on a backend, resident and fed by the "
        + "pipeline.")
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

  @Option(names = "--model", paramLabel = "FILE", description = "Time this Keras model's training step "
      + "(model.to_json(), or a model.save() .h5 file with its compile settings, as kiln train --model builds it; a "
      + "model that takes rows is fed rows) instead of the seed's.")
  Path model;

  @Option(names = "--targets", paramLabel = "COL[,COL...]", description = "With --model: the columns its sigmoid "
      + "units learn, one label per unit (default resp).")
  String targets;

  @Option(names = "--optimizer", paramLabel = "sgd|adam|adamw|rmsprop", description = "With --model: the update "
      + "rule with Keras's defaults, as kiln train's (default sgd: the seed's, lr 0.2, Nesterov momentum 0.9).")
  String optimizer;

  @Option(names = "--lr", paramLabel = "RATE", description = "With --model: the learning rate (default as kiln train's).")
  Double lr;

  @Option(names = "--loss", paramLabel = "OUT=bce|mse|mae[,...]", description = "With --model: each output's loss, as "
      + "kiln train's --loss (a reconstruction output needs mse or mae).")
  String loss;

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
    BenchStep step = step();
    if (turns) {
      Bench.serveTurns(step, backend, plugin, batch, warmup, replicas,
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), System.out, System.err);
      return 0;
    }
    System.out.print(Bench.table(Bench.run(step, backend, plugin, batch, steps, repeats, warmup, replicas,
        modes.equals("resident"), executables, System.out)));
    return 0;
  }

  /** The step to time: the seed's, or --model's with --targets and --optimizer (refused without --model). */
  private BenchStep step() throws java.io.IOException {
    if (model == null) {
      for (var f : new Object[][] {{"--targets", targets}, {"--optimizer", optimizer}, {"--lr", lr}, {"--loss", loss}}) {
        if (f[1] != null) throw new IllegalArgumentException(f[0] + " needs --model (the seed's step is fixed)");
      }
      return BenchStep.seed();
    }
    if (executables != null) {
      throw new IllegalArgumentException("--executables holds the seed's steps; it does not go with --model");
    }
    FitFlags fit = new FitFlags();
    fit.optimizer = optimizer == null ? "sgd" : optimizer;
    fit.lr = lr;
    fit.loss = loss;
    java.util.List<String> given = new java.util.ArrayList<>();
    for (var f : new Object[][] {{"--optimizer", optimizer}, {"--lr", lr}, {"--loss", loss}}) {
      if (f[1] != null) given.add((String) f[0]);
    }
    return BenchStep.of(model, Targets.parse(targets == null ? "resp" : targets), fit.optimizer(), fit.lossSpec(),
        given);
  }
}
