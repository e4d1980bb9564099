package dev.kiln.train.cli;

import dev.kiln.tpu.cuda.GpuOptions;
import picocli.CommandLine.Option;

/**
 * The CUDA client's options as flags, mixed into the commands that open a backend. They win over JAX's environment
 * variables ({@code XLA_PYTHON_CLIENT_MEM_FRACTION}, {@code XLA_PYTHON_CLIENT_PREALLOCATE},
 * {@code JAX_CUDA_VISIBLE_DEVICES}); unset, the plugin's defaults hold (75% of memory preallocated, all devices).
 */
public final class GpuFlags {
  @picocli.CommandLine.Spec(picocli.CommandLine.Spec.Target.MIXEE)
  picocli.CommandLine.Model.CommandSpec spec;

  private void set(Double f, Boolean p, String d) {
    try {
      GpuOptions.setFlags(f, p, d);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  @Option(names = "--gpu-memory-fraction", paramLabel = "F",
      description = "pjrt:cuda: share of GPU memory to preallocate (default 0.75, or $XLA_PYTHON_CLIENT_MEM_FRACTION).")
  void fraction(double f) {
    set(f, null, null);
  }

  @Option(names = "--gpu-preallocate", paramLabel = "true|false", arity = "1",
      description = "pjrt:cuda: preallocate GPU memory (default true, or $XLA_PYTHON_CLIENT_PREALLOCATE).")
  void preallocate(boolean p) {
    set(null, p, null);
  }

  @Option(names = "--gpu-devices", paramLabel = "IDS",
      description = "pjrt:cuda: visible GPUs, e.g. 0,1 (default all, or $JAX_CUDA_VISIBLE_DEVICES).")
  void devices(String d) {
    set(null, null, d);
  }
}
