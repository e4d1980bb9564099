package dev.kiln.train.cli;

import dev.kiln.core.backend.Backend;
import dev.kiln.tpu.Backends;
import dev.kiln.tpu.PluginLocator;
import dev.kiln.train.CompiledSteps;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kiln compile}: compile the seed's steps once, serialize them, and let another machine load them. */
@Command(name = "compile", mixinStandardHelpOptions = true, subcommands = CompileTrainCommand.class,
    description = "Compile the seed's training and evaluation steps and serialize them with a manifest, for "
        + "'kiln bench --executables DIR' on the machine they were compiled for; 'kiln compile train' compiles "
        + "what 'kiln train --executables DIR' loads.")
public final class CompileCommand implements Callable<Integer> {
  @Option(names = "--backend", defaultValue = "pjrt:cuda", description = "pjrt:cuda or pjrt:cpu (default ${DEFAULT-VALUE}).")
  String backend;

  @Option(names = "--target", description = "pjrt:cuda: the GPU to compile for with no GPU (h100, h200, a100, b200).")
  String target;

  @Option(names = "--gpus", defaultValue = "1", description = "With --target: GPUs of one host (default 1).")
  int gpus;

  @Option(names = "--batch", defaultValue = "0", description = "Global batch; 0 = 512 per device (default).")
  int batch;

  @Option(names = "--plugin", description = "PJRT plugin library (overrides discovery).")
  Path plugin;

  @Option(names = "--out", description = "The folder to write (must not exist); required.")
  Path out;

  @Override
  public Integer call() throws Exception {
    if (out == null) throw new IllegalArgumentException("--out is required");
    OptionChecks.atLeast("--batch", batch, 0);
    OptionChecks.atLeast("--gpus", gpus, 1);
    if (target != null) {
      if (!backend.equals("pjrt:cuda")) throw new IllegalArgumentException("--target goes with --backend pjrt:cuda");
      CompiledSteps.compileForTarget(PluginLocator.cudaCompiler(plugin), target, gpus, batch, out, System.out);
    } else {
      if (gpus != 1) throw new IllegalArgumentException("--gpus goes with --target");
      try (Backend b = Backends.open(backend, plugin, Map.of())) {
        CompiledSteps.compileOn(b, batch, out, System.out);
      }
    }
    System.out.println("wrote " + out);
    return 0;
  }
}
