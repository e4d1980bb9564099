package dev.kiln.train;

import dev.kiln.tpu.cuda.GpuTarget;
import dev.kiln.tpu.libtpu.TpuTopology;
import dev.kiln.tpu.pjrt.AotExecutable;
import dev.kiln.tpu.pjrt.CompileOptionsCodec;
import dev.kiln.tpu.pjrt.PjrtException;
import dev.kiln.tpu.pjrt.PjrtPlugin;
import dev.kiln.tpu.pjrt.OptimizedHlo;
import dev.kiln.tpu.pjrt.PjrtTopology;
import dev.kiln.core.DType;
import dev.kiln.core.backend.CompileOptions;
import dev.kiln.core.conformance.Conformance;
import dev.kiln.core.hlo.StableHloWriter;
import dev.kiln.ops.Model;
import dev.kiln.ops.train.StatefulStep;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code kiln check --backend pjrt:tpu --topology T} and {@code kiln check --backend pjrt:cuda --target G --gpus N}:
 * compiles, with no TPU or GPU attached, every conformance graph (one replica) and the seed's training and evaluation
 * steps data-parallel over every device of the topology (the seed's v3-8: 8 replicas × 512, gradients summed with
 * all_reduce), and reports XLA's figures for the steps: the per-device cost analysis where the plugin has one (libtpu)
 * and the compiled memory (argument, temp, peak). Nothing runs: this proves that what Kiln emits compiles for the
 * device, and estimates what it takes.
 */
public final class TopologyCheck {
  private TopologyCheck() {}

  /** One compiled program: whether it compiled, and XLA's figures for it. */
  public record Row(String name, int replicas, boolean ok, String detail, Map<String, Double> cost, long codeBytes,
      double compileSeconds, String mlir, AotExecutable.MemoryStats memory, OptimizedHlo hlo) {}

  /** Everything a check found, for the table and the JSON file. */
  public record Report(String topology, String nativeTopology, int devices, String deviceKind, String plugin,
      String apiVersion, int globalBatch, int replicas, List<Row> rows) {
    public Row step(String name) {
      return rows.stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    public long failed() {
      return rows.stream().filter(r -> !r.ok()).count();
    }
  }

  public static final String TRAIN = "seed training step";
  public static final String EVAL = "seed evaluation step";

  /**
   * Compiles everything for the TPU {@code topology} with libtpu. {@code globalBatch} 0 means 512 per device (the
   * seed's per-replica batch); it must split evenly over the devices.
   */
  public static Report run(Path libtpu, String topology, int globalBatch, long seed, PrintStream log) {
    return run(libtpu, topology, globalBatch, seed, true, log);
  }

  /** As above; without {@code suite}, only the seed's training and evaluation steps. */
  public static Report run(Path libtpu, String topology, int globalBatch, long seed, boolean suite, PrintStream log) {
    try (TpuTopology topo = TpuTopology.create(libtpu, topology)) {
      return run(topo.topology(), topology, topo.name().libtpu(), globalBatch, seed, suite, log);
    }
  }

  /**
   * Compiles for {@code gpus} GPUs of {@code target} (h100, h200, ...) with the CUDA plugin at {@code plugin}: the
   * conformance graphs too when {@code suite}, else the seed's steps alone.
   */
  public static Report runGpu(Path plugin, String target, int gpus, int globalBatch, long seed, boolean suite,
      PrintStream log) {
    return runGpu(plugin, target, gpus, globalBatch, seed, suite, null, log).report();
  }

  /** Kiln's report and, when {@code versus} (StableHLO text, e.g. JAX's step) is given, that program's row too. */
  public record Comparison(Report report, Row versus) {}

  /** As above, also compiling {@code versus} (may be null) for the same target, one replica per device. */
  public static Comparison runGpu(Path plugin, String target, int gpus, int globalBatch, long seed, boolean suite,
      String versus, PrintStream log) {
    GpuTarget t = GpuTarget.of(target);
    try (PjrtTopology topo = t.topology(PjrtPlugin.load(plugin), gpus)) {
      Report r = run(topo, topo.label(), "1x1x" + gpus, globalBatch, seed, suite, log);
      return new Comparison(r, versus == null ? null : compile(topo, "versus", versus, gpus));
    }
  }

  /** Kiln's training step beside another program for the same target: kernels per step, temp and peak memory. */
  public static String compareTable(Row kiln, Row other, String otherName) {
    StringBuilder b = new StringBuilder(String.format("%-22s %8s %8s %12s %10s %10s%n", "train step", "kernels",
        "fusions", "custom-calls", "temp MB", "peak MB"));
    for (Row x : List.of(kiln, other)) {
      String name = x == kiln ? "kiln" : otherName;
      if (!x.ok()) {
        b.append(String.format("%-22s FAILED: %s%n", name, x.detail()));
        continue;
      }
      OptimizedHlo h = x.hlo();
      b.append(String.format("%-22s %8s %8s %12s %10.3f %10.3f%n", name, h == null ? "?" : h.kernels(),
          h == null ? "?" : h.count("fusion"), h == null ? "?" : h.count("custom-call"), mb(x.memory().temp()),
          mb(x.memory().peak())));
    }
    if (kiln.ok() && other.ok() && kiln.hlo() != null && other.hlo() != null) {
      b.append(String.format("kiln / %s: kernels %.3f, temp %.3f, peak %.3f%n", otherName,
          kiln.hlo().kernels() / (double) other.hlo().kernels(), kiln.memory().temp() / (double) other.memory().temp(),
          kiln.memory().peak() / (double) other.memory().peak()));
    }
    return b.toString();
  }

  /** Compiles every conformance graph and the seed's steps for {@code topo}, labelled {@code label}. */
  public static Report run(PjrtTopology topo, String label, String nativeName, int globalBatch, long seed,
      PrintStream log) {
    return run(topo, label, nativeName, globalBatch, seed, true, log);
  }

  /** As above; without {@code suite}, only the seed's training and evaluation steps. */
  public static Report run(PjrtTopology topo, String label, String nativeName, int globalBatch, long seed,
      boolean suite, PrintStream log) {
    int replicas = topo.deviceCount();
    int global = globalBatch > 0 ? globalBatch : 512 * replicas;
    if (global % replicas != 0) {
      throw new IllegalArgumentException("--batch " + global + " does not split over the " + replicas + " devices of "
          + label);
    }
    List<Row> rows = new ArrayList<>();
    for (Conformance.Case c : suite ? Conformance.cases(DType.F32, seed) : List.<Conformance.Case>of()) {
      rows.add(compile(topo, c.name(), StableHloWriter.write(c.graph(), CompileOptions.DEFAULT), 1));
    }
    Model model = SeedSteps.model();
    int local = global / replicas;
    StatefulStep train = SeedSteps.training(model, local, replicas);
    StatefulStep eval = SeedSteps.evaluation(model, local, replicas);
    log.printf("compiling the seed's steps for %s: %d replicas x %d = global batch %d%n", label, replicas, local,
        global);
    rows.add(compile(topo, TRAIN, StableHloWriter.write(train.graph(), train.options()), replicas));
    rows.add(compile(topo, EVAL, StableHloWriter.write(eval.graph(), eval.options()), replicas));
    return new Report(label, nativeName, replicas, topo.deviceKinds().get(0), topo.plugin().path().toString(),
        topo.plugin().apiVersion(), global, replicas, rows);
  }

  /** Compiles one program for {@code topo}: whether it compiled, and XLA's figures for it. */
  public static Row compile(PjrtTopology topo, String name, String mlir, int replicas) {
    long t0 = System.nanoTime();
    try (AotExecutable exe = topo.compile(mlir, CompileOptionsCodec.encodeForTopology(replicas))) {
      double secs = (System.nanoTime() - t0) / 1e9;
      if (exe.numReplicas() != replicas) {
        return new Row(name, replicas, false, "compiled for " + exe.numReplicas() + " replicas, asked " + replicas,
            Map.of(), 0, secs, mlir, null, null);
      }
      return new Row(name, replicas, true, "", cost(exe), exe.generatedCodeBytes(), secs, mlir, exe.memoryStats(),
          hlo(exe));
    } catch (RuntimeException e) {
      return new Row(name, replicas, false, e.getMessage(), Map.of(), 0, (System.nanoTime() - t0) / 1e9, mlir, null,
          null);
    }
  }

  /** The optimized program's opcodes, or null where the plugin gives no HLO module (then no kernel count). */
  private static OptimizedHlo hlo(AotExecutable exe) {
    try {
      return OptimizedHlo.parse(exe.optimizedProgram());
    } catch (PjrtException | IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * XLA's per-device cost analysis, or none where the plugin does not offer one (the CUDA plugin: "not supported").
   * XLA reports optimal_seconds < 0 when it has no estimate for a program: dropped rather than shown as -1.
   */
  private static Map<String, Double> cost(AotExecutable exe) {
    Map<String, Double> cost;
    try {
      cost = new LinkedHashMap<>(exe.costAnalysis());
    } catch (PjrtException e) {
      return Map.of();
    }
    cost.computeIfPresent("optimal_seconds", (k, v) -> v < 0 ? null : v);
    return cost;
  }

  /**
   * Writes the seed steps' StableHLO as Kiln gives it to XLA ({@code train_step.mlir}, {@code eval_step.mlir}). For
   * XLA's optimized HLO, run with {@code XLA_FLAGS="--xla_dump_to=DIR --xla_dump_hlo_as_text"} (libtpu honours it).
   */
  public static void dump(Report r, Path dir) throws java.io.IOException {
    java.nio.file.Files.createDirectories(dir);
    for (String step : List.of(TRAIN, EVAL)) {
      Row x = r.step(step);
      String base = step.equals(TRAIN) ? "train_step" : "eval_step";
      byte[] text = x.mlir().getBytes(java.nio.charset.StandardCharsets.UTF_8);
      dev.kiln.io.AtomicFiles.write(dir.resolve(base + ".mlir"), o -> o.write(text));
    }
  }

  /** The plain-text table: the conformance graphs in one line each, then the steps with their costs. */
  public static String table(Report r) {
    StringBuilder b = new StringBuilder();
    int width = r.rows().stream().mapToInt(x -> x.name().length()).max().orElse(10);
    b.append(String.format("%-" + width + "s  %-8s  %-4s  %s%n", "program (" + r.topology() + ")", "replicas", "ok",
        "flops/device  bytes/device  optimal_seconds  argument/temp/peak MB"));
    for (Row x : r.rows()) {
      b.append(String.format("%-" + width + "s  %-8d  %-4s  %s%n", x.name(), x.replicas(), x.ok() ? "ok" : "FAIL",
          x.ok() ? figures(x) : x.detail()));
    }
    Row train = r.step(TRAIN);
    if (train.ok()) {
      double s = train.cost().getOrDefault("optimal_seconds", 0.0);
      b.append(String.format("seed training step: global batch %d on %d replicas; ", r.globalBatch(), r.replicas()));
      b.append(s > 0 ? String.format("XLA's estimate %.3f ms/step, %.0f samples/s", s * 1e3, r.globalBatch() / s)
          : "no time estimate from this plugin");
      if (train.memory() != null) {
        b.append(String.format("; temp %.1f MB, peak %.1f MB per device", mb(train.memory().temp()),
            mb(train.memory().peak())));
      }
      if (train.hlo() != null) b.append("; ").append(train.hlo().kernels()).append(" kernels");
      b.append('\n');
    }
    b.append(String.format("%d compiled, %d failed%n", r.rows().size() - r.failed(), r.failed()));
    return b.toString();
  }

  private static String figures(Row x) {
    Double secs = x.cost().get("optimal_seconds");
    String cost = x.cost().isEmpty() ? "(no cost analysis)"
        : String.format("%.4g  %.4g  %s", x.cost().getOrDefault("flops", 0.0), x.cost().getOrDefault("bytes accessed",
            0.0), secs == null ? "(no estimate)" : String.format("%.4g", secs));
    AotExecutable.MemoryStats m = x.memory();
    return m == null ? cost : cost + String.format("  %.2f/%.2f/%.2f", mb(m.argument()), mb(m.temp()), mb(m.peak()));
  }

  private static double mb(long bytes) {
    return bytes / 1e6;
  }

  /** Kernels per step in the optimized program: all, fusions, library calls, and the opcodes counted. */
  public static Map<String, Object> kernels(OptimizedHlo h) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("total", h.kernels());
    out.put("fusion", h.count("fusion"));
    out.put("custom-call", h.count("custom-call"));
    out.put("opcodes", h.opcodes());
    return out;
  }

  private static Map<String, Object> memory(AotExecutable.MemoryStats m) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("argument", m.argument());
    out.put("output", m.output());
    out.put("alias", m.alias());
    out.put("temp", m.temp());
    out.put("peak", m.peak());
    return out;
  }

  /** The JSON file's content: topology, replicas, every program's outcome, and the steps' costs. */
  public static Map<String, Object> json(Report r) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("topology", r.topology());
    root.put("native_topology", r.nativeTopology());
    root.put("devices", r.devices());
    root.put("device_kind", r.deviceKind());
    root.put("plugin", r.plugin());
    root.put("pjrt_api_version", r.apiVersion());
    root.put("replicas", r.replicas());
    root.put("global_batch", r.globalBatch());
    for (String step : List.of(TRAIN, EVAL)) {
      Row x = r.step(step);
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("ok", x.ok());
      s.put("replicas", x.replicas());
      Map<String, Object> cost = new LinkedHashMap<>();
      cost.put("flops", x.cost().get("flops"));
      cost.put("bytes_accessed", x.cost().get("bytes accessed"));
      cost.put("optimal_seconds", x.cost().get("optimal_seconds"));
      s.put("cost", cost);
      Double secs = x.cost().get("optimal_seconds");
      s.put("est_samples_per_s", secs != null && secs > 0 ? r.globalBatch() / secs : null);
      s.put("generated_code_bytes", x.codeBytes());
      if (x.memory() != null) s.put("memory_bytes", memory(x.memory()));
      if (x.hlo() != null) s.put("kernels", kernels(x.hlo()));
      s.put("compile_seconds", x.compileSeconds());
      if (!x.ok()) s.put("error", x.detail());
      root.put(step.equals(TRAIN) ? "train_step" : "eval_step", s);
    }
    List<Object> cases = new ArrayList<>();
    for (Row x : r.rows()) {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("name", x.name());
      c.put("ok", x.ok());
      if (!x.ok()) c.put("error", x.detail());
      cases.add(c);
    }
    root.put("programs", cases);
    root.put("compiled", r.rows().size() - r.failed());
    root.put("failed", r.failed());
    return root;
  }
}
