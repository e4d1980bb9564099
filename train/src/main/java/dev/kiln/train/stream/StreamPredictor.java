package dev.kiln.train.stream;

import dev.kiln.core.Tensor;
import dev.kiln.io.dataset.Columns;
import dev.kiln.ops.Model;
import dev.kiln.train.ModelFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The competition's loop, one row at a time: each call takes one test row (date, weight, the features with NaN
 * where missing, ts_id) and answers the probabilities of the model's output units and the action (of a model with
 * several outputs, its action output's: {@link RunAction}).
 *
 * <p>Rules, all documented for users:
 * <ul>
 *   <li>Action: 1 when the mean of the output's probabilities is above 0.5, else 0 (the competitors' rule; for the
 *       seed's one unit, probability &gt; 0.5).
 *   <li>Window: a model whose input is [features] answers each row alone, with no state. A windowed model sees the
 *       last W rows of the row's date (W from the model's input), as {@code kiln predict} does; a row that completes W rows of its date gets exactly the probability predict gives that window. Until
 *       the date has W rows, the window is filled by repeating the date's first row in front (the default and only
 *       fill policy). A new date starts a fresh window; so does a row whose date is earlier than the previous row's,
 *       flagged {@link Prediction#outOfOrder}.
 *   <li>Missing values: NaN (and only NaN) in a feature becomes the fill value the training data was made with
 *       ({@code kiln convert --nan-fill} or {@code kiln synth}, recorded in the run's weights), unless told
 *       otherwise; -100, the converter's default, for a run whose data recorded none.
 *   <li>Weight 0: with {@link Options#skipZeroWeight} the row enters the window but the model is not called and the
 *       action is 0 (probabilities NaN); off by default.
 * </ul>
 * The model runs as a {@link dev.kiln.ops.infer.RowPlan} (engine {@code plan}, the default) or as its compiled
 * evaluation graph at batch 1 on the Java backend (engine {@code graph}, the reference the plan is checked against).
 * Not thread-safe: it holds the date's rows; callers serialize.
 */
public final class StreamPredictor implements AutoCloseable {
  /**
   * How to answer: the NaN fill value (null: the run's recorded one, else {@link #DEFAULT_FILL}), the weight-0
   * shortcut, the engine ({@link #ENGINES}), and which sigmoid output of a model with several is answered (null: the
   * run's action output, else the last sigmoid output, as training's default).
   */
  public record Options(Float nanFill, boolean skipZeroWeight, String engine, String actionOutput) {
    public static Options defaults() {
      return new Options(null, false, "plan");
    }

    public Options(Float nanFill, boolean skipZeroWeight, String engine) {
      this(nanFill, skipZeroWeight, engine, null);
    }

    public Options {
      if (nanFill != null && !Float.isFinite(nanFill)) {
        throw new IllegalArgumentException("--nan-fill must be finite, got " + nanFill);
      }
      if (!ENGINES.contains(engine)) throw new IllegalArgumentException("--engine must be one of " + ENGINES + ", got " + engine);
    }
  }

  /** The converter's default fill, for a run whose training data recorded none. */
  public static final float DEFAULT_FILL = -100f;

  /** plan: the folded single-row plan; graph: the evaluation graph at batch 1 on the Java backend. */
  public static final List<String> ENGINES = List.of("plan", "graph");

  /** One answer: the row's ts_id, the output's probabilities (a fresh copy), the action, and how it was made. */
  public record Prediction(long tsId, float[] probabilities, int action, boolean windowFull, boolean outOfOrder) {}

  private final SampleModel step;
  private final Options options;
  private final float fill;
  private final String fillSource;
  private final int window, features;
  /** For a model with several outputs, which one answers and why; empty for one output. */
  private final String outputNote;
  private final DateWindow rows;
  /** Whether the model last ran on this date's window as it was before the newest row: the next window slides. */
  private boolean ranOnDate;

  private StreamPredictor(SampleModel step, Model model, Options options, Float recorded, String outputNote) {
    this.step = step;
    this.outputNote = outputNote;
    this.options = options;
    this.fill = options.nanFill() != null ? options.nanFill() : recorded != null ? recorded : DEFAULT_FILL;
    this.fillSource = options.nanFill() != null
        ? (recorded == null || recorded.equals(options.nanFill()) ? "--nan-fill"
            : "--nan-fill; the training data was filled with " + recorded)
        : recorded != null ? "the training data's" : "the default: the run records none";
    this.window = model.window();
    this.features = model.features();
    this.rows = new DateWindow(window, features);
  }

  /**
   * Loads a run folder ({@code model.json} and {@code model.safetensors}) and compiles its one-window step; of a model
   * with several outputs, the action output its {@code metrics.json} records.
   */
  public static StreamPredictor open(Path run, Options options) throws IOException {
    ModelFiles.Loaded m = ModelFiles.read(run);
    return of(m.model(), m.variables(), options, m.nanFill(), RunAction.recorded(run));
  }

  /** A predictor for a model and its variables by name (a run folder's, or any others: benchmarks, tools). */
  public static StreamPredictor of(Model model, Map<String, Tensor> variables, Options options) {
    return of(model, variables, options, null, null);
  }

  private static StreamPredictor of(Model model, Map<String, Tensor> variables, Options options, Float recorded,
      String recordedAction) {
    String outputNote = "";
    if (model.outputs().size() > 1) {
      RunAction a = RunAction.choose(model, options.actionOutput(), recordedAction);
      outputNote = "output '" + a.name() + "' of " + model.outputNames() + " (" + a.source() + ")";
      model = model.withOutput(a.name());
    } else if (options.actionOutput() != null) {
      throw new IllegalArgumentException("--action-output is for a model with several outputs; this one has one");
    }
    int[] in = model.inputShape();
    if (in.length > 2 || model.features() > Columns.FEATURES) {
      throw new IllegalArgumentException("the model's input is " + Arrays.toString(in) + "; streaming needs [features]"
          + " or [window, features] with at most " + Columns.FEATURES + " features");
    }
    SampleModel step = options.engine().equals("plan") ? new PlanModel(model, variables)
        : new SingleRowStep(model, variables);
    return new StreamPredictor(step, model, options, recorded, outputNote);
  }

  /** Rows per window (W): 1 for a model that takes rows. */
  public int window() {
    return window;
  }

  /** Features per row the model reads: feature_0 .. feature_{n-1}. */
  public int features() {
    return features;
  }

  /** The output's units: one probability each. */
  public int units() {
    return step.units();
  }

  /**
   * Answers one row. {@code x} holds at least {@link #features()} values (NaN where missing; it is not changed).
   * Infinite values are refused, as {@code kiln convert} refuses them.
   */
  public Prediction predict(int date, float weight, float[] x, long tsId) {
    float[] p = new float[units()];
    boolean back = date < rows.date() && rows.started();
    int action = predict(date, weight, x, p);
    return new Prediction(tsId, p, action, rows.full(), back);
  }

  /**
   * As {@link #predict(int, float, float[], long)} without allocating: the probabilities go into {@code out}
   * ({@link #units()} long; NaN for a skipped weight-0 row) and the action is returned.
   */
  public int predict(int date, float weight, float[] x, float[] out) {
    if (x.length < features) {
      throw new IllegalArgumentException("a row of " + x.length + " features; the model reads " + features);
    }
    for (int j = 0; j < features; j++) {
      if (Float.isInfinite(x[j])) throw new IllegalArgumentException("feature_" + j + " is infinite");
    }
    boolean slides = ranOnDate && rows.started() && date == rows.date();
    rows.add(date, x, fill);
    if (options.skipZeroWeight() && weight == 0f) {
      ranOnDate = false;
      Arrays.fill(out, 0, units(), Float.NaN);
      return 0;
    }
    rows.copyTo(step.input(), step.inputOffset());
    float[] p = slides ? step.slide() : step.run();
    ranOnDate = true;
    System.arraycopy(p, 0, out, 0, p.length);
    return action(p);
  }

  /** 1 when the mean of the probabilities is above 0.5, else 0. */
  public static int action(float[] p) {
    double sum = 0;
    for (float v : p) sum += v;
    return sum / p.length > 0.5 ? 1 : 0;
  }

  /** The value NaN features become, and where it came from, for the log: "-100 (the training data's)". */
  public String nanFillNote() {
    return fill + " (" + fillSource + ")";
  }

  /** For a model with several outputs, the one answered and why ("output 'action' of [...] (...)"); else "". */
  public String outputNote() {
    return outputNote;
  }

  /** What the engine runs: the plan's steps (layers folded into each, and its kind), or "graph". */
  public List<String> describe() {
    return step instanceof PlanModel p ? p.plan().describe() : List.of("graph");
  }

  @Override
  public void close() {
    step.close();
  }
}
