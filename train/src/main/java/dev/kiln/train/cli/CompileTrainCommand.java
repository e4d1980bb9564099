package dev.kiln.train.cli;

import dev.kiln.tpu.PluginLocator;
import dev.kiln.train.FitOptions;
import dev.kiln.train.TrainOptions;
import dev.kiln.train.Trainer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kiln compile train}: every program {@code kiln train} compiles for the same flags, compiled on the backend
 * at hand (or, with {@code --target}, for a GPU with no GPU) and serialized with a manifest, for
 * {@code kiln train --executables DIR}. It takes train's flags, so the programs are built by the code that trains;
 * it reads the data, whose size is part of the steps' shapes when the rows are kept on the devices.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Compile the programs 'kiln train' with these flags compiles and serialize them with a manifest, "
        + "for 'kiln train --executables DIR' (same flags, same plugin and device). Nothing is trained.")
public final class CompileTrainCommand implements Callable<Integer> {
  @ParentCommand
  CompileCommand parent;

  @picocli.CommandLine.Mixin
  GpuFlags gpu;

  @Option(names = "--data", required = true, description = "Dataset folder (columns.json, stats.json, fold*/).")
  Path data;

  @Option(names = "--out", required = true, description = "The folder of programs to write (must not exist).")
  Path out;

  @Option(names = "--target", description = "With --backend pjrt:cuda: the GPU to compile for with no GPU (h100, "
      + "h200, a100, b200); --data-on-device must then be always or never.")
  String target;

  @Option(names = "--gpus", defaultValue = "1", description = "With --target: GPUs of one host (default 1).")
  int gpus;

  @Option(names = "--folds", defaultValue = "5", description = "Folds (default ${DEFAULT-VALUE}).")
  int folds;

  @Option(names = "--holdout", defaultValue = "4", description = "Validation fold (default ${DEFAULT-VALUE}).")
  int holdout;

  /** The model, batch, backend, rows and targets, as kiln train's. */
  @picocli.CommandLine.Mixin
  RunFlags run;

  /** The optimizer, learning-rate schedule and fit-callback flags, as kiln train's. */
  @picocli.CommandLine.Mixin
  FitFlags fitFlags;

  @Override
  public Integer call() throws Exception {
    if (parent != null && (parent.out != null || parent.target != null || parent.plugin != null || parent.batch != 0
        || parent.gpus != 1 || !parent.backend.equals("pjrt:cuda"))) {
      throw new IllegalArgumentException("kiln compile train takes its flags after 'train' (kiln train's, --target "
          + "and --gpus); kiln compile's own flags are for the seed's bench steps");
    }
    OptionChecks.atLeast("--gpus", gpus, 1);
    if (target == null && gpus != 1) throw new IllegalArgumentException("--gpus goes with --target");
    FitOptions fit = run.fit(fitFlags);
    TrainOptions opts = run.options(data, out, folds, holdout, false, fit);
    if (target != null && !opts.backend().equals("pjrt:cuda")) {
      throw new IllegalArgumentException("--target goes with --backend pjrt:cuda");
    }
    fitFlags.notes().forEach(n -> System.err.println("kiln compile train: note: " + n));
    Trainer trainer = new Trainer(opts, fit, System.out);
    if (target != null) {
      trainer.compileForTarget(PluginLocator.cudaCompiler(opts.plugin()), target, gpus, out);
    } else {
      trainer.compileTo(out);
    }
    System.out.println("wrote " + out);
    return 0;
  }
}
