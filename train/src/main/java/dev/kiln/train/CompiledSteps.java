package dev.kiln.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.core.backend.Backend;
import dev.kiln.core.hlo.StableHloWriter;
import dev.kiln.ops.Model;
import dev.kiln.ops.train.StatefulStep;
import dev.kiln.tpu.cuda.GpuTarget;
import dev.kiln.tpu.pjrt.AotExecutable;
import dev.kiln.tpu.pjrt.CompileOptionsCodec;
import dev.kiln.tpu.pjrt.CompiledPrograms;
import dev.kiln.tpu.pjrt.InstallFiles;
import dev.kiln.tpu.pjrt.PjrtBackend;
import dev.kiln.tpu.pjrt.PjrtExecutable;
import dev.kiln.tpu.pjrt.PjrtPlugin;
import dev.kiln.tpu.pjrt.PjrtTopology;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code kiln compile}: the seed's training and evaluation steps compiled once and serialized with a manifest
 * ({@link CompiledPrograms}), for a GPU target with no GPU ({@code --target}) or for the backend at hand; and
 * {@code --executables DIR}, which makes a PJRT backend load them instead of compiling.
 */
public final class CompiledSteps {
  private CompiledSteps() {}

  /** The seed's training and evaluation steps for a global batch over {@code replicas}, by their names in a folder. */
  private static Map<String, StatefulStep> steps(int globalBatch, int replicas) {
    if (globalBatch % replicas != 0) {
      throw new IllegalArgumentException("--batch " + globalBatch + " does not split over " + replicas + " devices");
    }
    Model model = SeedSteps.model();
    int local = globalBatch / replicas;
    Map<String, StatefulStep> steps = new LinkedHashMap<>();
    steps.put("train_step", SeedSteps.training(model, local, replicas));
    steps.put("eval_step", SeedSteps.evaluation(model, local, replicas));
    return steps;
  }

  /** Compiles the seed's steps for {@code gpus} GPUs of {@code target} with the CUDA plugin at {@code plugin}. */
  public static void compileForTarget(Path plugin, String target, int gpus, int globalBatch, Path out, PrintStream log)
      throws IOException {
    int batch = globalBatch > 0 ? globalBatch : 512 * gpus;
    compileForTarget(plugin, target, gpus, steps(batch, gpus), extra("target", target, gpus, batch), out, log);
  }

  /**
   * Compiles {@code steps} (by their names in the folder) for {@code gpus} GPUs of {@code target} with the CUDA
   * plugin at {@code plugin}, with no GPU, into {@code out}; the manifest records {@code extra}.
   */
  public static void compileForTarget(Path plugin, String target, int gpus, Map<String, StatefulStep> steps,
      Map<String, Object> extra, Path out, PrintStream log) throws IOException {
    checkNew(out);
    PjrtPlugin p = PjrtPlugin.load(plugin);
    try (PjrtTopology topo = GpuTarget.of(target).topology(p, gpus)) {
      ObjectNode m = CompiledPrograms.manifest(p, topo.deviceKinds().get(0), extra);
      write(out, m, dir -> serializeEach(steps, m, dir, (mlir, s) -> {
        try (AotExecutable exe = topo.compile(mlir, CompileOptionsCodec.encodeForTopology(s.replicas()))) {
          return exe.serialize();
        }
      }, " for " + topo.label(), log));
    }
  }

  /** Compiles the seed's steps on {@code backend}'s own devices (a PJRT backend), into {@code out}. */
  public static void compileOn(Backend backend, int globalBatch, Path out, PrintStream log) throws IOException {
    int replicas = Trainer.defaultReplicas(backend);
    int batch = globalBatch > 0 ? globalBatch : 512 * replicas;
    compileOn(backend, steps(batch, replicas), extra("backend", backend.name(), replicas, batch), out, log);
  }

  /**
   * Compiles {@code steps} (by their names in the folder) on {@code backend}'s own devices (a PJRT backend) into
   * {@code out}, the manifest recording {@code extra}; a program listed twice under two names is written once.
   */
  public static void compileOn(Backend backend, Map<String, StatefulStep> steps, Map<String, Object> extra, Path out,
      PrintStream log) throws IOException {
    checkCompilable(backend, out);
    PjrtBackend pb = (PjrtBackend) backend;
    ObjectNode m = CompiledPrograms.manifest(pb.client().plugin(), pb.devices().get(0).kind(), extra);
    write(out, m, dir -> serializeEach(steps, m, dir, (mlir, s) -> {
      byte[] opts = CompileOptionsCodec.encode(s.replicas(), pb.devices());
      try (PjrtExecutable exe = pb.client().compile(mlir, opts, s.graph().outputTypes())) {
        return exe.serialize();
      }
    }, " on " + pb.name(), log));
  }

  /** Compiles a step's StableHLO and serializes the executable. */
  private interface Serializer {
    byte[] serialize(String mlir, StatefulStep step) throws IOException;
  }

  /**
   * Compiles and serializes each of {@code steps} into {@code dir}, adding it to {@code manifest} under its name; a
   * program listed twice under two names (the same fingerprint) is written once, under the first.
   */
  private static void serializeEach(Map<String, StatefulStep> steps, ObjectNode manifest, Path dir, Serializer how,
      String where, PrintStream log) throws IOException {
    java.util.Set<String> done = new java.util.HashSet<>();
    for (var e : steps.entrySet()) {
      StatefulStep s = e.getValue();
      String mlir = StableHloWriter.write(s.graph(), s.options());
      if (!done.add(CompiledPrograms.fingerprint(mlir, s.replicas()))) continue;
      CompiledPrograms.add(manifest, dir, e.getKey(), mlir, s.replicas(), how.serialize(mlir, s));
      log.println("compiled " + e.getKey() + where);
    }
  }

  private static Map<String, Object> extra(String key, String value, int devices, int batch) {
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put(key, value);
    extra.put("devices", devices);
    extra.put("global_batch", batch);
    extra.put("model", "seed");
    return extra;
  }

  private interface Filler {
    void fill(Path dir) throws IOException;
  }

  /** Refuses, before any work, a backend with nothing to serialize (not PJRT) and an {@code out} that exists. */
  public static void checkCompilable(Backend backend, Path out) {
    if (!(backend instanceof PjrtBackend)) {
      throw new IllegalArgumentException("kiln compile needs a PJRT backend (pjrt:cpu, pjrt:cuda or pjrt:tpu), not "
          + backend.name());
    }
    checkNew(out);
  }

  /** Refuses an {@code out} that exists, before any work. */
  public static void checkNew(Path out) {
    if (Files.exists(out)) throw new IllegalArgumentException(out + " exists: choose a new --out");
  }

  /** Writes the folder beside {@code out} and renames it into place: a folder that is there is never half-written. */
  private static void write(Path out, ObjectNode manifest, Filler filler) throws IOException {
    Path abs = out.toAbsolutePath().normalize();
    if (Files.exists(abs)) throw new IllegalArgumentException(out + " exists: choose a new --out");
    Path parent = Files.createDirectories(abs.getParent());
    Path tmp = Files.createTempDirectory(parent, "." + abs.getFileName() + ".tmp-");
    try {
      filler.fill(tmp);
      CompiledPrograms.writeManifest(manifest, tmp);
      Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      InstallFiles.deleteTree(tmp);
    }
  }

  /**
   * Makes {@code backend} load its programs from {@code dir}, one line on what was found; the folder's programs are
   * returned. A folder of another plugin or device, and a backend that compiles nothing to load (java), are refused.
   */
  public static CompiledPrograms use(Backend backend, Path dir, PrintStream log) throws IOException {
    if (!(backend instanceof PjrtBackend pb)) {
      throw new IllegalArgumentException("--executables needs a PJRT backend: " + backend.name()
          + " compiles no programs to load");
    }
    CompiledPrograms c = CompiledPrograms.load(dir, pb.client().plugin(), pb.devices().get(0).kind());
    pb.usePrograms(c);
    log.printf("loading compiled steps from %s (%d programs for %s)%n", dir, c.size(), c.deviceKind());
    return c;
  }

  /**
   * Refuses, in one line naming it, a step ({@code name}) that {@code programs} does not hold: the folder was compiled
   * for another model, batch, optimizer or data than this run's.
   */
  public static void require(CompiledPrograms programs, String name, StatefulStep step) {
    String fp = CompiledPrograms.fingerprint(StableHloWriter.write(step.graph(), step.options()), step.replicas());
    if (programs.find(fp) == null) {
      throw new IllegalArgumentException(programs.dir() + " holds no " + name + " for this run (" + programs.describe()
          + "; another model, batch, replica count, optimizer or data is another program, fingerprint " + fp
          + "): make the folder with kiln compile train and this run's flags");
    }
  }

  /** How many programs {@code backend} loaded rather than compiled (0 for a backend not told {@link #use}). */
  public static int loaded(Backend backend) {
    return backend instanceof PjrtBackend pb ? pb.loadedPrograms() : 0;
  }
}
