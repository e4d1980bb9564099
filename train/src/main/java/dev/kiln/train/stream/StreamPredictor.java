package dev.kiln.train.stream;

import dev.kiln.core.Tensor;
import dev.kiln.core.backend.Backend;
import dev.kiln.io.dataset.Columns;
import dev.kiln.ops.Model;
import dev.kiln.tpu.Backends;
import dev.kiln.train.ModelFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * The competition's loop, one row at a time: each call takes one test row (date, weight, the features with NaN
 * where missing, ts_id) and answers the probabilities of the model's output units and the action.
 *
 * <p>Rules, all documented for users:
 * <ul>
 *   <li>Action: 1 when the mean of the output's probabilities is above 0.5, else 0 (the competitors' rule; for the
 *       seed's one unit, probability &gt; 0.5).
 *   <li>Window: the model sees the last W rows of the row's date (W from the model's input), as {@code kiln predict}
 *       does; a row that completes W rows of its date gets exactly the probability predict gives that window. Until
 *       the date has W rows, the window is filled by repeating the date's first row in front (the default and only
 *       fill policy). A new date starts a fresh window; so does a row whose date is earlier than the previous row's,
 *       flagged {@link Prediction#outOfOrder}.
 *   <li>Missing values: NaN (and only NaN) in a feature becomes the fill value, as {@code kiln convert} fills it
 *       (-100 unless told otherwise: runs do not record the fill their data was converted with).
 *   <li>Weight 0: with {@link Options#skipZeroWeight} the row enters the window but the model is not called and the
 *       action is 0 (probabilities NaN); off by default.
 * </ul>
 * Not thread-safe: it holds the date's rows; callers serialize.
 */
public final class StreamPredictor implements AutoCloseable {
  /** How to answer: the NaN fill value, the weight-0 shortcut, and the backend (java unless told). */
  public record Options(float nanFill, boolean skipZeroWeight, String backend) {
    public static Options defaults() {
      return new Options(-100f, false, "java");
    }

    public Options {
      if (!Float.isFinite(nanFill)) throw new IllegalArgumentException("--nan-fill must be finite, got " + nanFill);
    }
  }

  /** One answer: the row's ts_id, the output's probabilities (a fresh copy), the action, and how it was made. */
  public record Prediction(long tsId, float[] probabilities, int action, boolean windowFull, boolean outOfOrder) {}

  private final Backend backend;
  private final SingleRowStep step;
  private final Options options;
  private final int window, features;
  private final DateWindow rows;

  private StreamPredictor(Backend backend, Model model, Map<String, Tensor> variables,
      Options options) {
    this.backend = backend;
    this.options = options;
    int[] in = model.inputShape();
    if (in.length != 2 || in[1] > Columns.FEATURES) {
      throw new IllegalArgumentException("the model's input is " + Arrays.toString(in) + "; streaming needs [window,"
          + " features] with at most " + Columns.FEATURES + " features");
    }
    this.window = in[0];
    this.features = in[1];
    this.step = new SingleRowStep(backend, model, variables);
    this.rows = new DateWindow(window, features);
  }

  /** Loads a run folder ({@code model.json} and {@code model.safetensors}) and compiles its one-window step. */
  public static StreamPredictor open(Path run, Options options) throws IOException {
    ModelFiles.Loaded m = ModelFiles.read(run);
    return of(m.model(), m.variables(), options);
  }

  /** A predictor for a model and its variables by name (a run folder's, or any others: benchmarks, tools). */
  public static StreamPredictor of(Model model, Map<String, Tensor> variables,
      Options options) {
    Backend backend = Backends.open(options.backend(), null, Map.of());
    try {
      return new StreamPredictor(backend, model, variables, options);
    } catch (RuntimeException e) {
      backend.close();
      throw e;
    }
  }

  /** Rows per window (W). */
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
    rows.add(date, x, options.nanFill());
    if (options.skipZeroWeight() && weight == 0f) {
      Arrays.fill(out, 0, units(), Float.NaN);
      return 0;
    }
    rows.copyTo(step.input());
    float[] p = step.run();
    System.arraycopy(p, 0, out, 0, p.length);
    return action(p);
  }

  /** 1 when the mean of the probabilities is above 0.5, else 0. */
  public static int action(float[] p) {
    double sum = 0;
    for (float v : p) sum += v;
    return sum / p.length > 0.5 ? 1 : 0;
  }

  @Override
  public void close() {
    try {
      step.close();
    } finally {
      backend.close();
    }
  }
}
