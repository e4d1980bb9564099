package dev.kiln.train.cli;

import dev.kiln.core.DType;
import dev.kiln.core.backend.Backend;
import dev.kiln.core.conformance.Conformance;
import dev.kiln.core.cpu.JavaBackend;
import dev.kiln.tpu.Backends;
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

  @Option(names = "--batch", defaultValue = "0",
      description = "With --topology: the seed step's global batch; 0 = 512 per device (default).")
  int batch;

  @Option(names = "--json", description = "With --topology: also write the results (costs, replicas) to this file.")
  Path json;

  @Option(names = "--dump", description = "With --topology: write the seed steps' StableHLO to this folder.")
  Path dump;

  @Override
  public Integer call() throws java.io.IOException {
    OptionChecks.atLeast("--batch", batch, 0);
    if (topology != null) {
      return topologyCheck();
    }
    if (json != null || batch != 0 || dump != null) {
      throw new IllegalArgumentException("--json, --batch and --dump go with --topology");
    }
    try (Backend candidate = Backends.open(backend, plugin, Map.of()); JavaBackend reference = new JavaBackend()) {
      if (backend.equals("auto")) {
        System.out.println("auto chose " + candidate.name()
            + (candidate instanceof JavaBackend ? " (no PJRT plugin found: ./kiln plugin list)" : ""));
      }
      System.out.println("backend " + candidate.name() + ", devices " + candidate.devices());
      if (candidate instanceof dev.kiln.tpu.PjrtBackend pb) {
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

  private int topologyCheck() throws java.io.IOException {
    if (!backend.equals("pjrt:tpu")) {
      throw new IllegalArgumentException("--topology compiles for a TPU: use it with --backend pjrt:tpu");
    }
    dev.kiln.tpu.PluginLocator.Found f = dev.kiln.tpu.PluginLocator.find(dev.kiln.tpu.PluginLocator.Kind.TPU, plugin)
        .orElseThrow(() -> new IllegalArgumentException("libtpu not found: run './kiln plugin install tpu', set "
            + "KILN_PJRT_PLUGIN, or pass --plugin PATH"));
    long t0 = System.nanoTime();
    dev.kiln.train.TopologyCheck.Report r = dev.kiln.train.TopologyCheck.run(f.path(), topology, batch, seed, System.out);
    System.out.println("topology " + r.topology() + " (libtpu " + r.libtpuTopology() + "): " + r.devices() + " x "
        + r.deviceKind() + "; plugin " + r.plugin() + ", PJRT API " + r.apiVersion() + "; no TPU attached is needed");
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

  /** Completion candidates for --backend. */
  static final class BackendNames extends java.util.ArrayList<String> {
    BackendNames() {
      super(List.of("auto", "java", "pjrt:cpu", "pjrt:cuda", "pjrt:tpu"));
    }
  }
}
