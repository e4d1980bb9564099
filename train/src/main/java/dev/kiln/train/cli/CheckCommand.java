package dev.kiln.train.cli;

import dev.kiln.tpu.Backends;
import dev.kiln.core.DType;
import dev.kiln.core.backend.Backend;
import dev.kiln.core.conformance.Conformance;
import dev.kiln.core.cpu.JavaBackend;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kiln check --backend NAME}: runs the conformance suite (every primitive forward and VJP, and a training
 * step) on a backend and prints a table, so an install can be verified in one command. A PJRT backend is checked
 * against the Java backend; the Java backend, never its own reference, against the float64 evaluation of the same
 * graphs.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
    description = "Verify a backend against the Java backend with the conformance suite.")
public final class CheckCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin
  GpuFlags gpu;

  @Option(names = "--backend", defaultValue = "auto", description = "Backend: ${COMPLETION-CANDIDATES}; default ${DEFAULT-VALUE}.",
      completionCandidates = BackendNames.class)
  String backend;

  @Option(names = "--plugin", description = "Path of a PJRT plugin library (overrides discovery).")
  Path plugin;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the random inputs (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--topology", description = "pjrt:tpu only: compile for this TPU topology with no TPU attached "
      + "(v3-8, v4-8, v5e-4, v3-32, or libtpu's form such as v3:2x2); nothing runs.")
  String topology;

  @Option(names = "--target", description = "pjrt:cuda only: compile for this GPU with no GPU attached "
      + "(h100, h200, a100, b200); nothing runs.")
  String target;

  @Option(names = "--gpus", defaultValue = "1", description = "With --target: GPUs of one host (default 1).")
  int gpus;

  @Option(names = "--steps-only", description = "With --topology or --target: compile only the seed's steps, not the "
      + "conformance graphs.")
  boolean stepsOnly;

  @Option(names = "--versus", description = "With --target: also compile this StableHLO program (e.g. JAX's step, "
      + "scripts/jax_seed_step.py export) for the same target and compare kernels per step and memory.")
  Path versus;

  @Option(names = "--batch", defaultValue = "0",
      description = "With --topology or --target: the seed step's global batch; 0 = 512 per device (default).")
  int batch;

  @Option(names = "--json", description = "With --topology or --target: also write the results to this file.")
  Path json;

  @Option(names = "--dump", description = "With --topology or --target: write the seed steps' StableHLO here.")
  Path dump;

  @Override
  public Integer call() throws java.io.IOException {
    OptionChecks.atLeast("--batch", batch, 0);
    OptionChecks.atLeast("--gpus", gpus, 1);
    if (topology != null && target != null) throw new IllegalArgumentException("--topology and --target: pick one");
    if (topology != null || (target != null && !gpuAttached())) {
      return aheadOfTime();
    }
    if (target != null) {
      System.out.println("a GPU is attached (/proc/driver/nvidia/version): --target " + target
          + " is not needed; checking on the device itself");
    }
    if (versus != null && target == null) throw new IllegalArgumentException("--versus goes with --target");
    if (stepsOnly) throw new IllegalArgumentException("--steps-only goes with --topology or --target");
    if (json != null || batch != 0 || dump != null || gpus != 1) {
      throw new IllegalArgumentException("--json, --batch, --dump and --gpus go with --topology or --target");
    }
    try (Backend candidate = Backends.open(backend, plugin, Map.of()); JavaBackend reference = new JavaBackend()) {
      if (backend.equals("auto")) {
        System.out.println("auto chose " + candidate.name()
            + (candidate instanceof JavaBackend ? " (no PJRT plugin found: ./kiln plugin list)" : ""));
      }
      System.out.println("backend " + candidate.name() + ", devices " + candidate.devices());
      if (candidate instanceof dev.kiln.tpu.pjrt.PjrtBackend pb) {
        var plugin = pb.client().plugin();
        StringBuilder attrs = new StringBuilder();
        plugin.attributes().forEach((k, v) -> attrs.append(attrs.isEmpty() ? "" : ", ").append(k).append('=')
            .append(v instanceof long[] a ? java.util.Arrays.toString(a) : String.valueOf(v)));
        System.out.println("plugin " + plugin.path() + ", PJRT API " + plugin.apiVersion() + " {" + attrs + "}");
      }
      long t0 = System.nanoTime();
      List<Conformance.Result> results;
      String versus;
      if (candidate instanceof JavaBackend) {
        versus = "float64";
        System.out.println("reference: the same graphs evaluated in float64 (F32 inputs widened exactly)");
        results = Conformance.runAgainstF64(candidate, seed);
      } else {
        versus = "java";
        System.out.println("reference: the Java backend on the same F32 graphs");
        results = Conformance.run(candidate, reference, Conformance.cases(DType.F32, seed));
      }
      System.out.print(Conformance.table(candidate.name(), versus, results));
      System.out.printf("tolerance |a-b| <= %.0e + %.0e*|b| (F32); integers exact; %.1f s%n", Conformance.ATOL,
          Conformance.RTOL, (System.nanoTime() - t0) / 1e9);
      return results.stream().allMatch(Conformance.Result::passed) ? 0 : 1;
    }
  }

  private static boolean gpuAttached() {
    return java.nio.file.Files.exists(Path.of("/proc/driver/nvidia/version"));
  }

  /** Compiles for a TPU topology (libtpu) or GPU target (the CUDA plugin) with no device attached. */
  private int aheadOfTime() throws java.io.IOException {
    dev.kiln.train.TopologyCheck.Report r;
    long t0 = System.nanoTime();
    if (topology != null) {
      if (!backend.equals("pjrt:tpu")) {
        throw new IllegalArgumentException("--topology compiles for a TPU: use it with --backend pjrt:tpu");
      }
      Path libtpu = dev.kiln.tpu.PluginLocator.find(dev.kiln.tpu.PluginLocator.Kind.TPU, plugin).orElseThrow(
          () -> new IllegalArgumentException("libtpu not found: run './kiln plugin install tpu', set "
              + "KILN_PJRT_PLUGIN, or pass --plugin PATH")).path();
      r = dev.kiln.train.TopologyCheck.run(libtpu, topology, batch, seed, !stepsOnly, System.out);
      System.out.println("topology " + r.topology() + " (libtpu " + r.nativeTopology() + "): " + r.devices() + " x "
          + r.deviceKind() + "; plugin " + r.plugin() + ", PJRT API " + r.apiVersion() + "; no TPU attached is needed");
    } else {
      if (!backend.equals("pjrt:cuda")) {
        throw new IllegalArgumentException("--target compiles for a GPU: use it with --backend pjrt:cuda");
      }
      String other = versus == null ? null : java.nio.file.Files.readString(versus);
      var c = dev.kiln.train.TopologyCheck.runGpu(dev.kiln.tpu.PluginLocator.cudaCompiler(plugin), target, gpus, batch,
          seed, !stepsOnly, other, System.out);
      r = c.report();
      if (c.versus() != null) {
        System.out.print(dev.kiln.train.TopologyCheck.compareTable(r.step(dev.kiln.train.TopologyCheck.TRAIN),
            c.versus(), versus.getFileName().toString()));
      }
      System.out.println("target " + r.topology() + ": " + r.devices() + " x " + r.deviceKind() + "; plugin "
          + r.plugin() + ", PJRT API " + r.apiVersion() + "; no GPU attached is needed");
    }
    System.out.print(dev.kiln.train.TopologyCheck.table(r));
    System.out.printf("%.1f s%n", (System.nanoTime() - t0) / 1e9);
    if (json != null) {
      dev.kiln.train.Trainer.writeJson(json, dev.kiln.train.TopologyCheck.json(r));
      System.out.println("wrote " + json);
    }
    if (dump != null) {
      dev.kiln.train.TopologyCheck.dump(r, dump);
      System.out.println("wrote the seed steps' programs to " + dump);
    }
    return r.failed() == 0 ? 0 : 1;
  }

  /** Completion candidates for --backend: the registry's names. */
  static final class BackendNames extends java.util.ArrayList<String> {
    BackendNames() {
      super(List.of(Backends.names().split(", ")));
    }
  }
}
