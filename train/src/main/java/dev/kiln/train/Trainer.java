package dev.kiln.train;

import dev.kiln.tpu.Backends;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.backend.Backend;
import dev.kiln.io.AtomicFiles;
import dev.kiln.io.dataset.DatasetFolder;
import dev.kiln.io.pipeline.BatchStream;
import dev.kiln.io.pipeline.FeatureMoments;
import dev.kiln.io.pipeline.Shard;
import dev.kiln.io.pipeline.WindowIndex;
import dev.kiln.io.pipeline.WindowedDataset;
import dev.kiln.io.tfrecord.TFRecordReader;
import dev.kiln.ops.Model;
import dev.kiln.ops.Variable;
import dev.kiln.ops.layers.Normalization;
import dev.kiln.ops.metrics.Metrics;
import dev.kiln.ops.metrics.UtilityScore;
import dev.kiln.ops.train.LossSpec;
import dev.kiln.ops.train.Losses;
import dev.kiln.ops.train.StatefulStep;
import dev.kiln.ops.train.StepGraphs;
import dev.kiln.ops.train.BatchSource;
import dev.kiln.tpu.pjrt.CompiledPrograms;
import dev.kiln.train.loop.DeviceDataset;
import dev.kiln.train.loop.DeviceRunner;
import dev.kiln.train.loop.TableFeeds;
import dev.kiln.train.loop.Evaluator;
import dev.kiln.train.loop.CheckpointHook;
import dev.kiln.train.loop.FitLoop;
import dev.kiln.train.loop.HistoryHook;
import dev.kiln.train.loop.NanStopHook;
import dev.kiln.train.loop.ProgressHook;
import dev.kiln.train.loop.TensorBoardHook;
import dev.kiln.train.loop.ValidationHook;
import dev.kiln.train.loop.StreamFeeds;
import dev.kiln.train.report.Plots;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;
import java.util.function.LongPredicate;

/**
 * The seed notebook as one run: adapt the normalization on the training folds, build the model, compile the
 * training and evaluation steps once, fit for the given epochs with Keras-style progress, validate after each
 * epoch, checkpoint atomically, and finally write history, metrics, plots and the model files.
 */
public final class Trainer {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  public static final int FEATURES = 130;

  /** The final figures of a run. */
  public record Result(Map<String, List<Double>> history, Map<String, Object> metrics) {}

  private final TrainOptions o;
  private final FitOptions fit;
  /** --model's model.h5 as read for the architecture, kept for its weights (null for a model.json or the seed). */
  private dev.kiln.train.keras.KerasSavedModel savedFile;
  private final PrintStream out;
  /** The folder of compiled programs to load ({@code --executables}), or null to compile them. */
  private Path executables;
  /** The programs loaded from {@link #executables} once the backend is open. */
  private CompiledPrograms loaded;
  /** The losses of the run's model, resolved (and checked) before any data is read. */
  private Losses losses;

  /** The seed's fit (SGD with Nesterov momentum, no callbacks) with {@code options}. */
  public Trainer(TrainOptions options, PrintStream out) {
    this(options, FitOptions.seed(options), out);
  }

  public Trainer(TrainOptions options, FitOptions fit, PrintStream out) {
    this.o = options;
    this.fit = fit;
    this.out = out;
  }

  /**
   * Makes the run load its compiled programs from {@code dir} (written by {@code kiln compile train} with the same
   * flags) instead of compiling them; a program the folder lacks is refused in one line naming it.
   */
  public Trainer executables(Path dir) {
    this.executables = dir;
    return this;
  }

  /**
   * Runs the training, holding the output folder's {@link RunLock} throughout (a second run on the folder is
   * refused at once); temporaries of writes a kill cut short are removed first.
   */
  public Result run() throws IOException {
    long wall0 = System.nanoTime();
    Backends.checkName(o.backend());
    try (RunLock lock = RunLock.folder(o.out())) {
      RunReports.removeLeftovers(o.out(), out);
      return runLocked(wall0);
    }
  }

  private Result runLocked(long wall0) throws IOException {
    // The checkpoint first: a resume that cannot work should fail before any data is loaded.
    Checkpoint ckpt = Checkpoint.load(o.out(), out);
    if (ckpt != null && !o.resume()) {
      throw new IllegalArgumentException(o.out() + " already holds a run's checkpoint: continue it with --resume "
          + o.out() + ", or choose another --out");
    }
    if (ckpt == null && o.resume()) {
      throw new IllegalArgumentException("nothing to resume: no " + Checkpoint.dir(o.out()).getFileName() + " in "
          + o.out());
    }
    if (ckpt != null) {
      ckpt.checkSameRun(o, fit);
      Callbacks.checkNotStopped(ckpt, o.out());
    }
    if (fit.tensorboard() != null) TensorBoardHook.check(fit.tensorboard());
    List<String> repair = ckpt == null ? List.of() : finishedRunRepairs(ckpt);
    // The model next: an unsupported layer or config value in --model fails before any data is read.
    Model model = model(o);
    losses = losses(model, o.targets(), fit.losses());
    MemoryEstimate.check(model, o.batchSize(), o.backend());
    // The backend next, plugin included: a missing or broken plugin fails before any data is read.
    try (Backend backend = Backends.open(o.backend(), o.plugin(), clientOptions(o))) {
      if (executables != null) loaded = CompiledSteps.use(backend, executables, out);
      return repair.isEmpty() ? fit(backend, model, ckpt, wall0) : repair(backend, model, ckpt, repair);
    }
  }

  /**
   * The reports a resumed run that has done all its epochs must rewrite (a kill after the last checkpoint lost
   * them); none when it has epochs left. A finished run with every report in place is refused.
   */
  private List<String> finishedRunRepairs(Checkpoint ckpt) {
    if (ckpt.epochsDone() < o.epochs()) return List.of();
    List<String> missing = ckpt.epochsDone() == o.epochs() ? RunReports.missing(o.out()) : List.of();
    if (missing.isEmpty()) {
      throw new IllegalArgumentException("the checkpoint in " + o.out() + " already has " + ckpt.epochsDone()
          + " of " + o.epochs() + " epochs" + (ckpt.epochsDone() == o.epochs() ? " and its reports are complete" : "")
          + "; raise --epochs to train further");
    }
    return missing;
  }

  /**
   * Rewrites the {@code missing} reports of a finished run from its checkpoint, without training: the validation is
   * run once more on the saved state (deterministic, so the figures are the run's own).
   */
  private Result repair(Backend backend, Model model, Checkpoint ckpt, List<String> missing) throws IOException {
    out.println("all " + ckpt.epochsDone() + " epochs are done; rewriting " + missing + " from the checkpoint");
    RunData data = loadData();
    Map<String, Tensor> state = ckpt.checkedState(StepGraphs.trainingState(model, fit.optimization(), losses));
    int replicas = replicas(backend);
    int local = localBatch(replicas);
    StatefulStep eval = StepGraphs.evaluation(model, local, replicas, new BatchSource.Fed(), losses);
    requireLoaded("eval_step (fed from the host)", eval);
    try (DeviceRunner runner = new DeviceRunner(backend, replicas)) {
      runner.put(state);
      Evaluator.Result last = new Evaluator(runner, eval, local, losses).run(data.valid());
      Map<String, Object> metrics = finalMetrics(last, data, backend.name(), replicas, null, null);
      metrics.put("rewritten_from_checkpoint", true); // the run's speed and wall time were lost with the file
      RunReports.write(o.out(), missing, model, state, plotHistory(ckpt.history()), metrics, last.probabilities(),
          last.labels(), o, ckpt.history());
      out.println("wrote " + String.join(", ", missing) + " to " + o.out());
      return new Result(ckpt.history(), metrics);
    }
  }

  /**
   * The seed's model, or the one in {@code --model}: its input must be [130] (it takes rows; --window 1) or
   * [--window, 130] (it takes windows).
   */
  private Model model(TrainOptions o) throws IOException {
    if (o.modelFile() == null) {
      Model seed = Model.seed(o.window(), FEATURES, o.noise());
      String problem = targetsProblem(seed, o.targets());
      if (problem != null) throw new IllegalArgumentException("the seed's model: " + problem);
      return seed;
    }
    var source = dev.kiln.train.keras.ModelSource.read(o.modelFile(), fit.losses().fromLogits());
    savedFile = source.saved();
    Model m = source.model();
    for (String name : m.logitOutputs()) logitsLine(name);
    String problem = inputProblem(m, o.window());
    // A model with several outputs has its targets checked output by output with its losses.
    if (problem == null && m.outputs().size() == 1) problem = targetsProblem(m, o.targets());
    if (problem != null) throw new IllegalArgumentException(o.modelFile() + ": " + problem);
    return m;
  }

  /**
   * The losses {@code spec} asks for on {@code m} trained on {@code targets}: the seed's binary cross-entropy for a
   * model with one output and no loss flags; any misuse is refused in one line, before data is read.
   */
  public static Losses losses(Model m, List<String> targets, LossSpec spec) {
    if (m.outputs().size() == 1 && spec.isDefault()) return Losses.of(m);
    return Losses.of(m, spec, targets.size(), FEATURES);
  }

  /** Why {@code m}'s output cannot be trained on {@code targets} (one unit per target), or null when it can. */
  public static String targetsProblem(Model m, List<String> targets) {
    if (m.units() == targets.size()) return null;
    return "the model's output has " + m.units() + " sigmoid unit" + (m.units() == 1 ? "" : "s") + " and --targets "
        + "names " + targets.size() + " (" + String.join(",", targets) + "); give one target per unit";
  }

  /**
   * Why the data cannot feed {@code m} with samples of {@code window} rows, or null when it can: the model's input
   * must be [130] (rows, window 1) or [window, 130].
   */
  public static String inputProblem(Model m, int window) {
    int[] in = m.inputShape();
    boolean features = in[in.length - 1] == FEATURES && in.length <= 2;
    if (features && m.window() == window) return null;
    String shape = java.util.Arrays.toString(in);
    if (!features) {
      return "the model's input is " + shape + "; Kiln's data gives rows of [" + FEATURES + "] or windows of [W, "
          + FEATURES + "]";
    }
    return m.takesRows()
        ? "the model's input is " + shape + ": it takes rows, not windows of " + window + " rows (drop --window)"
        : "the model's input is " + shape + ": it takes windows of " + in[0] + " rows, not " + window
            + " (drop --window or pass --window " + in[0] + ")";
  }

  /** The run's data: the training and validation folds' windows and the steps per epoch. */
  private record RunData(WindowedDataset train, WindowedDataset valid, int stepsPerEpoch) {}

  private Result fit(Backend backend, Model model, Checkpoint ckpt, long wall0) throws IOException {
    RunData data = loadData();
    Map<String, List<Double>> history = new LinkedHashMap<>();
    if (ckpt != null) history.putAll(ckpt.history());
    int firstEpoch = ckpt == null ? 0 : ckpt.epochsDone();
    Map<String, Tensor> initial = initialState(model, ckpt, data.train());
    int replicas = replicas(backend);
    int local = localBatch(replicas);
    describe(backend, replicas, local, model);
    List<String> stateNames = new ArrayList<>(StepGraphs.trainingState(model, fit.optimization(), losses).keySet());
    List<String> variables = model.variables().stream().map(Variable::name).toList();
    FitSteps steps = fitSteps(model, data, replicas, local, placement(backend));
    DeviceDataset trainTable = steps.trainTable(), validTable = steps.validTable();
    boolean onDevice = steps.onDevice();
    requireLoaded("train_step", steps.train());
    requireLoaded("eval_step", steps.eval());
    try (DeviceRunner runner = new DeviceRunner(backend, replicas)) {
      StatefulStep train = steps.train();
      Evaluator evaluator = new Evaluator(runner, steps.eval(), local, losses);
      runner.put(initial);
      runner.put(StepGraphs.clearedMonitor());
      if (onDevice) {
        trainTable.upload(runner);
        validTable.upload(runner);
      }
      // One training stream for the whole fit: repeat + shuffle buffer crossing epochs, as the seed. A resumed run
      // continues the killed run's stream exactly, from the position its checkpoint recorded. On the devices only
      // the windows' ids are streamed; otherwise whole batches.
      WindowedDataset.TrainingOptions to = WindowedDataset.TrainingOptions.seeded(o.batchSize(), o.seed());
      long position = ckpt == null ? 0 : ckpt.dataBatches();
      try (BatchStream stream = onDevice ? null : data.train().training(to, position);
          FitLoop.Feeds feeds = onDevice
              ? new TableFeeds(runner, trainTable, data.train().trainingIds(to, position), local, position)
              : new StreamFeeds(runner, stream, local, position);
          Callbacks callbacks = new Callbacks(fit, runner, variables, Callbacks.bestWriter(o.out(), model, o), out)) {
        ProgressHook progress = new ProgressHook(out, runner, o.epochs(), data.stepsPerEpoch(), o.batchSize(),
            losses);
        ValidationHook validation = new ValidationHook(
            onDevice ? () -> evaluator.run(validTable) : () -> evaluator.run(data.valid()));
        if (ckpt != null) callbacks.resume(ckpt);
        List<FitLoop.Hook> hooks = hooks(runner, List.of(progress, validation), callbacks, history, stateNames, feeds);
        IntPredicate readAt = o.logEvery() > 0 ? s -> s % o.logEvery() == 0 : progress::wants;
        new FitLoop(runner, train, readAt, hooks, losses).run(firstEpoch, o.epochs(), data.stepsPerEpoch(), feeds);
        Evaluator.Result last = validation.last();
        if (callbacks.earlyStopping != null && callbacks.earlyStopping.restore()) {
          // The restored weights are the model now: the final metrics and curves are theirs.
          last = onDevice ? evaluator.run(validTable) : evaluator.run(data.valid());
        }
        Map<String, Object> metrics = finalMetrics(last, data, backend.name(), replicas,
            progress.samplesPerSecond(), wall0);
        metrics.put("optimizer", fit.optimization().describe());
        metrics.putAll(callbackMetrics(callbacks));
        writeReports(model, runner.read(stateNames), history, metrics, last);
        return new Result(history, metrics);
      }
    }
  }

  /** The steps a fit compiles, and where its data lives: tables on the devices, or batches fed from the host. */
  private record FitSteps(StatefulStep train, StatefulStep eval, DeviceDataset trainTable, DeviceDataset validTable,
      boolean onDevice) {}

  /**
   * Builds the fit's training and evaluation steps; {@code onDevice} says, from the bytes of the tables, whether the
   * data goes on the devices.
   */
  private FitSteps fitSteps(Model model, RunData data, int replicas, int local, LongPredicate onDevice) {
    DeviceDataset trainTable = DeviceDataset.of(data.train(), "data/train/");
    DeviceDataset validTable = DeviceDataset.of(data.valid(), "data/valid/");
    boolean placed = onDevice.test(trainTable.bytes() + validTable.bytes());
    StatefulStep train = StepGraphs.training(model, local, replicas, fit.optimization(), o.seed(),
        o.batchNormGroup(), placed ? trainTable.source() : new BatchSource.Fed(),
        o.sampleWeight() != dev.kiln.io.pipeline.SampleWeight.NONE, losses);
    StatefulStep eval = StepGraphs.evaluation(model, local, replicas,
        placed ? validTable.source() : new BatchSource.Fed(), losses);
    return new FitSteps(train, eval, trainTable, validTable, placed);
  }

  /** --data-on-device on {@code backend}: the choice is said in one line. */
  private LongPredicate placement(Backend backend) {
    return bytes -> DataPlacement.onDevice(o.dataOnDevice(), backend, bytes, out);
  }

  /** With --executables: refuses, in one line naming it, a step the folder does not hold. */
  private void requireLoaded(String name, StatefulStep step) {
    if (loaded != null) CompiledSteps.require(loaded, name, step);
  }

  /**
   * {@code kiln compile train}: compiles every program a run with these options compiles (see {@link #programs}) on
   * the run's backend, and serializes them into {@code dir} with a manifest. Nothing is trained. The data is read:
   * on the devices, its size is part of the steps' shapes.
   */
  public void compileTo(Path dir) throws IOException {
    Backends.checkName(o.backend());
    Model model = model(o);
    try (Backend backend = Backends.open(o.backend(), o.plugin(), clientOptions(o))) {
      CompiledSteps.checkCompilable(backend, dir);
      losses = losses(model, o.targets(), fit.losses());
      RunData data = loadData();
      int replicas = replicas(backend);
      CompiledSteps.compileOn(backend, programs(model, data, replicas, placement(backend)),
          manifestExtra("backend", backend.name(), replicas), dir, out);
    }
  }

  /**
   * {@code kiln compile train --target}: as {@link #compileTo}, for {@code gpus} GPUs of {@code target} with the
   * CUDA plugin at {@code plugin} and no GPU. The data's placement must be said (always or never): auto decides by a
   * GPU's free memory, which is not here to read.
   */
  public void compileForTarget(Path plugin, String target, int gpus, Path dir) throws IOException {
    if (o.dataOnDevice().equals("auto")) {
      throw new IllegalArgumentException("--target needs --data-on-device always or never (auto decides by the GPU's "
          + "free memory, which is not here to read); give kiln train the same");
    }
    int replicas = o.replicas() > 0 ? o.replicas() : gpus;
    if (replicas > gpus) throw new IllegalArgumentException(replicas + " replicas need " + replicas + " GPUs; --gpus is "
        + gpus);
    CompiledSteps.checkNew(dir);
    Model model = model(o);
    losses = losses(model, o.targets(), fit.losses());
    RunData data = loadData();
    boolean always = o.dataOnDevice().equals("always");
    CompiledSteps.compileForTarget(plugin, target, gpus, programs(model, data, replicas, bytes -> always),
        manifestExtra("target", target, replicas), dir, out);
  }

  /**
   * Every program a run compiles, by its name in a kiln compile folder: the training and evaluation steps and, with
   * the data on the devices, the evaluation fed from the host that rewriting a finished run's reports uses.
   */
  private Map<String, StatefulStep> programs(Model model, RunData data, int replicas, LongPredicate onDevice) {
    int local = localBatch(replicas);
    FitSteps s = fitSteps(model, data, replicas, local, onDevice);
    Map<String, StatefulStep> programs = new LinkedHashMap<>();
    programs.put("train_step", s.train());
    programs.put("eval_step", s.eval());
    if (s.onDevice()) programs.put("eval_step_fed", StepGraphs.evaluation(model, local, replicas, new BatchSource.Fed(), losses));
    return programs;
  }

  /** What a kiln compile train manifest records besides the plugin and device: for messages and readers. */
  private Map<String, Object> manifestExtra(String key, String value, int replicas) {
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put(key, value);
    extra.put("devices", replicas);
    extra.put("global_batch", o.batchSize());
    extra.put("model", o.modelFile() == null ? "seed" : o.modelFile().getFileName().toString());
    extra.put("programs_for", "kiln train");
    return extra;
  }

  /** --replicas, or one per accelerator device. */
  private int replicas(Backend backend) {
    return o.replicas() > 0 ? o.replicas() : defaultReplicas(backend);
  }

  private void describe(Backend backend, int replicas, int local, Model model) {
    out.println("backend " + backend.name() + ", " + replicas + " replica(s) of " + local + " on "
        + backend.devices().subList(0, Math.min(replicas, backend.devices().size())));
    out.print(model.summary());
  }

  /** Writes every report of a finished fit: history, metrics, model files and plots. */
  private void writeReports(Model model, Map<String, Tensor> state, Map<String, List<Double>> history,
      Map<String, Object> metrics, Evaluator.Result last) throws IOException {
    RunReports.write(o.out(), RunReports.all(), model, state, plotHistory(history), metrics, last.probabilities(),
        last.labels(), o, history);
    out.println("wrote history.json, metrics.json, model.json, model.safetensors, model.h5 and plots/ to " + o.out());
  }

  /**
   * The fit's hooks, in Keras's order: the NaN stop, {@code first} (progress, validation), the callbacks that change
   * the logs, the history, the callbacks that read them, and the checkpoint last, so it keeps their state after the
   * epoch.
   */
  private List<FitLoop.Hook> hooks(DeviceRunner runner, List<FitLoop.Hook> first, Callbacks callbacks,
      Map<String, List<Double>> history, List<String> stateNames, FitLoop.Feeds feeds) {
    List<FitLoop.Hook> hooks = new ArrayList<>();
    hooks.add(new NanStopHook(runner, Checkpoint.dir(o.out()), divergenceHint(o)));
    hooks.addAll(first);
    hooks.addAll(callbacks.beforeHistory());
    hooks.add(new HistoryHook(history));
    hooks.addAll(callbacks.afterHistory());
    hooks.add(new CheckpointHook(runner, stateNames, feeds::position, (done, batches, state) -> {
      Map<String, Tensor> saved = new LinkedHashMap<>(state);
      saved.putAll(callbacks.tensors());
      Checkpoint.save(o.out(), done, batches, saved, history, Checkpoint.settings(o, fit), callbacks.metadata());
    }));
    return hooks;
  }

  /** Loads the training and validation windows: a split's dates, or the folds --folds and --holdout pick. */
  private RunData loadData() throws IOException {
    TFRecordReader.Options ro = o.skipCorrupt() ? TFRecordReader.Options.SKIP_CORRUPT : TFRecordReader.Options.DEFAULT;
    if (o.dates() == null) return loadFolds(ro);
    DateSplit d = o.dates();
    List<Integer> all = DatasetFolder.open(o.data()).folds();
    out.println("loading dates " + d.train() + " (training) and " + d.valid() + " (validation) from " + o.data());
    return windows(WindowedDataset.load(o.data(), all, o.window(), ro, o.targets(),
        o.rowFilter().within(d.trainFirst(), d.trainLast())), WindowedDataset.load(o.data(), all, o.window(), ro,
        o.targets(), o.rowFilter().within(d.validFirst(), d.validLast())), null);
  }

  /** Checks the folds (each of --folds present, the holdout among them) and loads their windows. */
  private RunData loadFolds(TFRecordReader.Options ro) throws IOException {
    DatasetFolder folder = DatasetFolder.open(o.data());
    List<Integer> available = folder.folds();
    List<Integer> trainFolds = new ArrayList<>();
    for (int f = 0; f < o.folds(); f++) {
      if (!available.contains(f)) {
        throw new IllegalArgumentException("fold " + f + " of --folds " + o.folds() + " is not in " + o.data()
            + " (it has folds " + available + ")");
      }
      if (f != o.holdout()) trainFolds.add(f);
    }
    if (available.size() != o.folds()) {
      throw new IllegalArgumentException(o.data() + " has " + available.size() + " folds " + available + ", not --folds "
          + o.folds() + " (steps per epoch come from its stats.json, which counts all of them)");
    }
    out.println("loading folds " + trainFolds + " (training) and " + o.holdout() + " (validation) from " + o.data());
    return windows(WindowedDataset.load(o.data(), trainFolds, o.window(), ro, o.targets(), o.rowFilter()),
        WindowedDataset.load(o.data(), List.of(o.holdout()), o.window(), ro, o.targets(), o.rowFilter()),
        o.rowFilter().drops() ? null : folder.stats());
  }

  /**
   * The run's data from the loaded windows: the training set weighted by --sample-weight, and the steps per epoch
   * (--steps-per-epoch, else the seed's rule on {@code stats}, or on the rows kept when {@code stats} is null).
   */
  private RunData windows(WindowedDataset train, WindowedDataset validData, dev.kiln.io.dataset.DatasetStats stats)
      throws IOException {
    WindowedDataset trainData = train.weighted(o.sampleWeight());
    if (trainData.windowCount() == 0 || validData.windowCount() == 0) {
      throw new IllegalArgumentException("no single-date windows of " + o.window() + " rows in the "
          + (trainData.windowCount() == 0 ? "training" : "validation") + (o.dates() == null ? " folds" : " dates"));
    }
    if (o.skipCorrupt()) reportSkipped(trainData, validData);
    int stepsPerEpoch = o.stepsPerEpoch() > 0 ? o.stepsPerEpoch()
        : stats == null ? (int) Math.min(Integer.MAX_VALUE, Math.max(1, trainData.rowCount() / o.batchSize()))
        : stats.stepsPerEpoch(o.holdout(), o.batchSize());
    out.printf("%,d training windows, %,d validation windows; %d steps of %d per epoch%n", trainData.windowCount(),
        validData.windowCount(), stepsPerEpoch, o.batchSize());
    return new RunData(trainData, validData, stepsPerEpoch);
  }

  /** With --skip-corrupt: one line per file that had corrupt records skipped, and the total. */
  private void reportSkipped(WindowedDataset... sets) {
    long total = 0;
    for (WindowedDataset d : sets) {
      for (Shard s : d.shards()) {
        if (s.skipped() > 0) out.printf("skipped %,d corrupt records in %s%n", s.skipped(), s.name());
        total += s.skipped();
      }
    }
    out.printf("--skip-corrupt: skipped %,d corrupt records in all%n", total);
  }

  /** The checkpoint's state, or a fresh one: Keras's initializers and the normalization adapted on {@code data}. */
  private Map<String, Tensor> initialState(Model model, Checkpoint ckpt, WindowedDataset data) {
    if (ckpt != null) {
      out.println("resuming after epoch " + ckpt.epochsDone() + " from " + Checkpoint.dir(o.out()));
      return ckpt.checkedState(StepGraphs.trainingState(model, fit.optimization(), losses));
    }
    out.println("adapting normalization on " + data.rowCount() + " rows");
    FeatureMoments fm = FeatureMoments.adapt(data.shards(), o.batchSize());
    Map<String, Tensor> adapted = new LinkedHashMap<>();
    for (Variable v : model.variables()) {
      String n = v.name();
      if (n.endsWith("/mean") && model.layer(n.substring(0, n.lastIndexOf('/'))) instanceof Normalization) {
        String layer = n.substring(0, n.lastIndexOf('/'));
        adapted.put(layer + "/mean", toF32(fm.mean()));
        adapted.put(layer + "/variance", toF32(fm.variance()));
        adapted.put(layer + "/count", Tensor.scalar((float) fm.count()));
      }
    }
    Map<String, Tensor> state = StepGraphs.initialState(model, fit.optimization(), o.seed(), adapted, losses);
    if (savedFile != null) savedWeights(model, state);
    return state;
  }

  /**
   * A model.save() file's weights replace the initial ones, except a Normalization the file holds unadapted (count
   * 0), which keeps its adaptation on the training folds; its optimizer state, when it has taken steps, replaces the
   * fresh one.
   */
  private void savedWeights(Model model, Map<String, Tensor> state) {
    Map<String, Tensor> saved = savedFile.weights();
    List<String> unadapted = new ArrayList<>();
    for (var e : saved.entrySet()) {
      String n = e.getKey();
      if (n.endsWith("/count") && e.getValue().getDouble(0) == 0) unadapted.add(n.substring(0, n.lastIndexOf('/') + 1));
    }
    int taken = 0;
    for (var e : saved.entrySet()) {
      if (unadapted.stream().anyMatch(e.getKey()::startsWith)) continue;
      state.put(e.getKey(), e.getValue());
      taken++;
    }
    out.println("starting from the " + taken + " weights of " + o.modelFile()
        + (unadapted.isEmpty() ? "" : " (normalization adapted here: the file's was not)"));
    Map<String, Tensor> optimizer = savedFile.optimizer().forKiln(fit.optimization(), model.variables());
    state.putAll(optimizer);
    if (!optimizer.isEmpty()) {
      out.println("the optimizer goes on from the file's state after " + savedFile.optimizer().iterations()
          + " steps (its slots and step count, as Keras's load_model)");
    }
  }

  private void logitsLine(String output) {
    out.println("output '" + output + "' is trained from logits, as Keras does: the model.json this run saves keeps "
        + "it linear (Keras gets logits), and Kiln's predict, stream and serve answer its probabilities");
  }

  /** The replica batch; the global batch must split into replicas, and into --bn-group groups. */
  private int localBatch(int replicas) {
    if (o.batchSize() % replicas != 0) {
      throw new IllegalArgumentException("batch size " + o.batchSize() + " does not split into " + replicas + " replicas");
    }
    int local = o.batchSize() / replicas;
    if (o.batchNormGroup() > 0 && o.batchNormGroup() < local && local % o.batchNormGroup() != 0) {
      throw new IllegalArgumentException("--bn-group " + o.batchNormGroup() + " does not divide the replica batch of "
          + local);
    }
    return local;
  }

  /** metrics.json; {@code samplesPerSecond} and {@code wall0} are null when rewritten from a checkpoint. */
  private Map<String, Object> finalMetrics(Evaluator.Result last, RunData data, String backend, int replicas,
      Double samplesPerSecond, Long wall0) {
    Map<String, Object> metrics = new LinkedHashMap<>();
    // With several outputs every validation log, and the action output named; with one, the seed's four.
    last.logs().forEach((k, v) -> metrics.put("val_" + k, v));
    if (losses.multi()) metrics.put("action_output", losses.action().name());
    metrics.put("utility_score", utility(data.valid(), last.windowIds(), last.probabilities()));
    metrics.put("backend", backend);
    metrics.put("replicas", replicas);
    metrics.put("batch_size", o.batchSize());
    metrics.put("epochs", o.epochs());
    metrics.put("steps_per_epoch", data.stepsPerEpoch());
    metrics.put("samples_per_second", samplesPerSecond);
    metrics.put("wall_time_seconds", wall0 == null ? null : (System.nanoTime() - wall0) / 1e9);
    return metrics;
  }


  /**
   * The series the plots draw under the seed's names: with several outputs, the total loss and the action output's
   * recall, precision and AUC (training and validation); with one, the history itself.
   */
  private Map<String, List<Double>> plotHistory(Map<String, List<Double>> history) {
    if (!losses.multi()) return history;
    Map<String, List<Double>> h = new LinkedHashMap<>();
    String a = losses.action().name() + "_";
    for (String prefix : List.of("", "val_")) {
      h.put(prefix + "loss", history.get(prefix + "loss"));
      for (String m : List.of("recall", "precision", "auc")) h.put(prefix + m, history.get(prefix + a + m));
    }
    return h;
  }

  /** What the callbacks did, for metrics.json. */
  private static Map<String, Object> callbackMetrics(Callbacks c) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (c.earlyStopping != null) {
      var s = c.earlyStopping.state();
      Map<String, Object> es = new LinkedHashMap<>();
      es.put("monitor", c.earlyStopping.config().monitor());
      es.put("stopped_epoch", s.stoppedEpoch() > 0 ? s.stoppedEpoch() + 1 : null);
      es.put("best_epoch", s.bestEpoch() + 1);
      es.put("restored_best_weights", c.earlyStopping.config().restoreBestWeights());
      m.put("early_stopping", es);
    }
    if (c.saveBest != null) {
      m.put("save_best", Map.of("monitor", c.saveBest.config().monitor(), "best", c.saveBest.best()));
    }
    return m;
  }

  /** Writes {@code value} as indented JSON, atomically. */
  public static void writeJson(Path file, Object value) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(value);
    AtomicFiles.write(file, os -> os.write(bytes));
  }

  /**
   * The competition's utility on the validation windows: act when p > 0.5 (with k units per window, in
   * {@code probs} window after window, when their mean is), on the last row's weight and resp.
   */
  static double utility(WindowedDataset data, long[] windowIds, float[] probs) {
    List<Shard> shards = data.shards();
    int n = windowIds.length, k = n == 0 ? 1 : probs.length / n;
    int[] date = new int[n];
    float[] weight = new float[n], resp = new float[n];
    boolean[] action = new boolean[n];
    for (int i = 0; i < n; i++) {
      Shard s = shards.get(WindowIndex.shardOf(windowIds[i]));
      int row = WindowIndex.startOf(windowIds[i]) + data.index().window() - 1;
      date[i] = (int) s.date(row);
      weight[i] = s.weight(row);
      resp[i] = s.resp(row);
      action[i] = k == 1 ? probs[i] > 0.5f : meanAbove(probs, i * k, k);
    }
    return UtilityScore.compute(date, weight, resp, action);
  }

  /** Whether the mean of {@code probs[from .. from + k)} exceeds 0.5, the competitors' action on k targets. */
  static boolean meanAbove(float[] probs, int from, int k) {
    double sum = 0;
    for (int j = 0; j < k; j++) sum += probs[from + j];
    return sum / k > 0.5;
  }

  /**
   * What is known when the loss stops being finite: every row read was checked finite (features, date, resp, weight),
   * and so were the normalization statistics and the float flags, so the values diverged in training itself.
   */
  static String divergenceHint(TrainOptions o) {
    return "The data, its normalization statistics and the flags were checked finite, so the values diverged in "
        + "training: try a lower --lr (this run's: " + o.learningRate() + ")"
        + (o.momentum() > 0 ? " or --momentum (" + o.momentum() + ")" : "")
        + (o.modelFile() != null ? ", or check --model's layers for operations that can overflow" : "") + ".";
  }

  static Tensor toF32(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
    return Tensor.wrap(DType.F32, Shape.of(d.length), f);
  }

  /** One replica per accelerator device; CPU backends train as one replica (the cores are shared anyway). */
  static int defaultReplicas(Backend b) {
    return b.name().equals("java") || b.name().equals("pjrt:cpu") ? 1 : b.devices().size();
  }

  static Map<String, Object> clientOptions(TrainOptions o) {
    // The XLA CPU plugin exposes 4 devices by default; a CPU run uses as many as replicas were asked for.
    if (o.backend().equals("pjrt:cpu")) return Map.of("cpu_device_count", (long) Math.max(1, o.replicas()));
    return Map.of();
  }
}
