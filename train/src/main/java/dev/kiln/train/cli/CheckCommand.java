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
  @Option(names = "--backend", defaultValue = "auto", description = "Backend: ${COMPLETION-CANDIDATES}; default ${DEFAULT-VALUE}.",
      completionCandidates = BackendNames.class)
  String backend;

  @Option(names = "--plugin", description = "Path of a PJRT plugin library (overrides discovery).")
  Path plugin;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the random inputs (default ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() {
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

  /** Completion candidates for --backend. */
  static final class BackendNames extends java.util.ArrayList<String> {
    BackendNames() {
      super(List.of("auto", "java", "pjrt:cpu", "pjrt:cuda", "pjrt:tpu"));
    }
  }
}
