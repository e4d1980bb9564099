package dev.kiln.train;

import dev.kiln.tpu.Backends;
import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.backend.Backend;
import dev.kiln.core.backend.DeviceArray;
import dev.kiln.core.cpu.Profile;
import dev.kiln.io.dataset.SyntheticMarket;
import dev.kiln.io.pipeline.BatchStream;
import dev.kiln.io.pipeline.WindowedDataset;
import dev.kiln.io.tfrecord.TFRecordReader;
import dev.kiln.ops.train.BatchSource;
import dev.kiln.ops.train.StatefulStep;
import dev.kiln.ops.train.StepGraphs;
import dev.kiln.train.loop.DeviceDataset;
import dev.kiln.train.loop.DeviceRunner;
import dev.kiln.train.loop.TableFeeds;
import dev.kiln.train.loop.FitLoop;
import dev.kiln.train.loop.StreamFeeds;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code kiln bench}: times a compiled training step ({@link BenchStep}: the seed's, or a Keras model's) (i) on a batch and state resident on the devices —
 * the engine alone — and (ii) fed batch by batch by the real windowed pipeline from a synthetic dataset, so the
 * difference is the input pipeline's cost, and (iii) with the dataset resident on the devices and steps fed window
 * start rows. Each is timed as {@code repeats} runs of {@code steps / repeats} steps after warm-up, the modes taking
 * turns run by run; the median run gives the time per step. {@link #serveTurns} times the resident batch in turns handed out by
 * another process, for comparisons with other engines.
 */
public final class Bench {
  private Bench() {}

  /** One mode's figures. */
  public record Figures(String mode, double msPerStep, double samplesPerSecond, double[] runsMs) {}

  public static List<Figures> run(String backendName, Path plugin, int batch, int steps, int repeats, int warmup,
      int replicasWanted, PrintStream log) throws IOException {
    return run(backendName, plugin, batch, steps, repeats, warmup, replicasWanted, false, log);
  }

  /** As above; {@code residentOnly} times the resident batch alone (no dataset is made or loaded). */
  public static List<Figures> run(String backendName, Path plugin, int batch, int steps, int repeats, int warmup,
      int replicasWanted, boolean residentOnly, PrintStream log) throws IOException {
    return run(backendName, plugin, batch, steps, repeats, warmup, replicasWanted, residentOnly, null, log);
  }

  /**
   * As above; with {@code executables} (a folder written by {@code kiln compile}) the steps are loaded from it
   * instead of compiled, and a step it does not hold is an error.
   */
  public static List<Figures> run(String backendName, Path plugin, int batch, int steps, int repeats, int warmup,
      int replicasWanted, boolean residentOnly, Path executables, PrintStream log) throws IOException {
    return run(BenchStep.seed(), backendName, plugin, batch, steps, repeats, warmup, replicasWanted, residentOnly,
        executables, log);
  }

  /** As above, timing {@code step} (the seed's, or a Keras model's on its targets and optimizer). */
  public static List<Figures> run(BenchStep step, String backendName, Path plugin, int batch, int steps, int repeats,
      int warmup, int replicasWanted, boolean residentOnly, Path executables, PrintStream log) throws IOException {
    if (steps < repeats) throw new IllegalArgumentException("--steps " + steps + " must be at least --repeats " + repeats);
    List<Figures> out = new ArrayList<>();
    try (Backend backend = Backends.open(backendName, plugin, Map.of())) {
      if (executables != null) CompiledSteps.use(backend, executables, log);
      int replicas = replicas(backend, replicasWanted, batch);
      int local = batch / replicas;
      log.printf("backend %s, %d replica(s), global batch %d, %d steps in %d runs after %d warm-up steps%n",
          backend.name(), replicas, batch, steps, repeats, warmup);
      try (DeviceRunner runner = new DeviceRunner(backend, replicas)) {
        StatefulStep train = residentStep(runner, step, local, replicas);
        int per = steps / repeats;
        // (i) resident batch: the same feeds, already on the devices, every step
        Map<String, List<DeviceArray>> resident = residentBatch(runner, step, local);
        FitLoop.Feeds same = same(resident);
        if (residentOnly) {
          out.add(figures("resident batch", time(runner, List.of(new Mode("resident", train, same)), warmup, repeats,
              per, log).get(0), batch));
          if (executables != null) {
            log.printf("compiled nothing: %d step(s) loaded from %s%n", CompiledSteps.loaded(backend), executables);
          }
          DeviceRunner.release(resident);
          return out;
        }
        // (ii) fed by the pipeline; (iii) the dataset on the devices, steps fed window start rows
        Path data = DemoData.ensure(new SyntheticMarket.Settings(100, 1000, 42, 5, 2, -100f, 1.0, 20), log);
        WindowedDataset ds = WindowedDataset.load(data, List.of(0, 1, 2, 3), step.window(),
            TFRecordReader.Options.DEFAULT, step.targets());
        WindowedDataset.TrainingOptions to = WindowedDataset.TrainingOptions.seeded(batch, 42);
        DeviceDataset table = DeviceDataset.of(ds, "data/train/");
        table.upload(runner);
        StatefulStep gathered = step.training(local, replicas, table.source());
        try (BatchStream stream = ds.training(to); StreamFeeds fed = new StreamFeeds(runner, stream, local, 0)) {
          TableFeeds ids = new TableFeeds(runner, table, ds.trainingIds(to, 0), local, 0);
          List<double[]> runs = time(runner, List.of(new Mode("resident", train, same),
              new Mode("pipeline", train, fed), new Mode("device data", gathered, ids)), warmup, repeats, per, log);
          out.add(figures("resident batch", runs.get(0), batch));
          out.add(figures("pipeline-fed", runs.get(1), batch));
          out.add(figures("device-resident data", runs.get(2), batch));
        }
        DeviceRunner.release(resident);
      }
    }
    return out;
  }

  /** The replicas asked for (0: one per device), checked to split the global batch evenly. */
  private static int replicas(Backend backend, int wanted, int batch) {
    int replicas = wanted > 0 ? wanted : Trainer.defaultReplicas(backend);
    if (batch % replicas != 0) {
      throw new IllegalArgumentException("batch size " + batch + " does not split into " + replicas + " replicas");
    }
    return replicas;
  }

  /** A mode to time: a step and where its feeds come from. */
  private record Mode(String name, StatefulStep step, FitLoop.Feeds feeds) {}

  /**
   * Times the modes in rotation, so that the machine's drift over the run (other load, clock changes) falls on every
   * mode alike and their ratios stay fair: each mode's warm-up steps first, then {@code repeats} rounds in which each
   * mode runs {@code per} steps. Steps are enqueued back to back as in training; the loss is read (waiting for the
   * device) only at each run's last step. Returns each mode's milliseconds per step, per round.
   */
  private static List<double[]> time(DeviceRunner runner, List<Mode> modes, int warmup, int repeats, int per,
      PrintStream log) {
    List<double[]> runs = new ArrayList<>();
    for (Mode m : modes) {
      if (warmup > 0) msPerStep(runner, m, warmup);
      runs.add(new double[repeats]);
    }
    Profile.restart();
    for (int r = 0; r < repeats; r++) {
      for (int i = 0; i < modes.size(); i++) {
        double ms = msPerStep(runner, modes.get(i), per);
        runs.get(i)[r] = ms;
        log.printf("  %s run %d/%d: %.2f ms/step%n", modes.get(i).name(), r + 1, repeats, ms);
      }
    }
    return runs;
  }

  /** Runs {@code steps} steps of a mode, enqueued back to back, the loss read at the last; returns milliseconds per step. */
  private static double msPerStep(DeviceRunner runner, Mode m, int steps) {
    double[] seconds = new double[1];
    FitLoop.Hook timing = new FitLoop.Hook() {
      @Override
      public void epochEnd(FitLoop.EpochEvent e) {
        seconds[0] = e.seconds();
      }

      @Override
      public String name() {
        return "timing";
      }
    };
    new FitLoop(runner, m.step(), s -> false, List.of(timing)).run(0, 1, steps, m.feeds());
    return seconds[0] * 1e3 / steps;
  }

  /** The training step fed from the host, with its initial state and cleared metric counters put on the devices. */
  private static StatefulStep residentStep(DeviceRunner runner, BenchStep step, int local, int replicas) {
    StatefulStep train = step.training(local, replicas, new BatchSource.Fed());
    runner.put(step.initialState());
    runner.put(StepGraphs.clearedMonitor());
    return train;
  }

  /** A batch of Gaussian features and coin-flip labels (one per target), put on every device once. */
  private static Map<String, List<DeviceArray>> residentBatch(DeviceRunner runner, BenchStep step, int local) {
    SplittableRandom r = new SplittableRandom(7);
    int window = step.window(), targets = step.targets().size();
    float[] x = new float[local * window * Trainer.FEATURES];
    for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
    float[] y = new float[local * targets];
    for (int i = 0; i < y.length; i++) y[i] = r.nextBoolean() ? 1 : 0;
    Map<String, List<DeviceArray>> resident = new LinkedHashMap<>();
    resident.put("x", runner.onEveryDevice(Tensor.wrap(DType.F32, Shape.of(local, window, Trainer.FEATURES), x)));
    resident.put("y", runner.onEveryDevice(Tensor.wrap(DType.F32, Shape.of(local, targets), y)));
    resident.put("step", runner.onEveryDevice(Tensor.wrap(DType.U32, Shape.scalar(), new int[] {1})));
    return resident;
  }

  /** Feeds that hand every step the same resident batch. */
  private static FitLoop.Feeds same(Map<String, List<DeviceArray>> resident) {
    return new FitLoop.Feeds() {
      @Override
      public Map<String, List<DeviceArray>> next(long globalStep) {
        return resident;
      }

      @Override
      public void done(Map<String, List<DeviceArray>> feeds) {}
    };
  }

  /**
   * Serves timed turns of the resident-batch step to another process, for side-by-side comparisons on a shared
   * machine whose speed moves by tens of percent for seconds at a time (scripts/step_turns.py runs JAX and Kiln
   * alternately, so that every engine sees the same spells). After {@code warmup} steps it prints {@code ready};
   * then for each line {@code N} read from {@code in} it runs N steps and prints their milliseconds per step; end of input ends it.
   * A line that is not a positive step count is an error.
   */
  public static void serveTurns(String backendName, Path plugin, int batch, int warmup, int replicasWanted,
      BufferedReader in, PrintStream out, PrintStream log) throws IOException {
    serveTurns(BenchStep.seed(), backendName, plugin, batch, warmup, replicasWanted, in, out, log);
  }

  /** As above, serving turns of {@code step} (the seed's, or a Keras model's on its targets and optimizer). */
  public static void serveTurns(BenchStep step, String backendName, Path plugin, int batch, int warmup,
      int replicasWanted, BufferedReader in, PrintStream out, PrintStream log) throws IOException {
    try (Backend backend = Backends.open(backendName, plugin, Map.of())) {
      int replicas = replicas(backend, replicasWanted, batch);
      int local = batch / replicas;
      log.printf("backend %s, %d replica(s), global batch %d, turns after %d warm-up steps%n", backend.name(),
          replicas, batch, warmup);
      try (DeviceRunner runner = new DeviceRunner(backend, replicas)) {
        StatefulStep train = residentStep(runner, step, local, replicas);
        Map<String, List<DeviceArray>> resident = residentBatch(runner, step, local);
        Mode m = new Mode("resident", train, same(resident));
        if (warmup > 0) msPerStep(runner, m, warmup);
        out.println("ready");
        out.flush();
        for (String line; (line = in.readLine()) != null; ) {
          int steps;
          try {
            steps = Integer.parseInt(line.trim());
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a turn is a number of steps, got '" + line + "'");
          }
          if (steps < 1) throw new IllegalArgumentException("a turn is at least one step, got " + steps);
          out.printf("%.3f%n", msPerStep(runner, m, steps));
          out.flush();
        }
        DeviceRunner.release(resident);
      }
    }
  }

  private static Figures figures(String mode, double[] runs, int batch) {
    double[] s = runs.clone();
    Arrays.sort(s);
    double med = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    return new Figures(mode, med, batch / (med / 1000), runs);
  }

  /** One line per mode with its samples/s as a ratio of the resident batch's (the first mode). */
  public static String table(List<Figures> f) {
    StringBuilder b = new StringBuilder(String.format("%-22s %16s %14s %12s%n", "mode", "ms/step (median)", "samples/s",
        "vs resident"));
    for (Figures x : f) {
      b.append(String.format("%-22s %16.2f %14.0f %12.3f%n", x.mode(), x.msPerStep(), x.samplesPerSecond(),
          x.samplesPerSecond() / f.get(0).samplesPerSecond()));
    }
    return b.toString();
  }
}
