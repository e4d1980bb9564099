package dev.kiln.train.loop;

import dev.kiln.core.Tensor;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keras's {@code EarlyStopping} (tf_keras 2.21 {@code callbacks.py}): after each epoch, the monitored log is an
 * improvement when {@code current − min_delta} beats the best (less in min mode, greater in max; auto is max for
 * names ending in acc, accuracy or auc). An improvement resets the wait unless a baseline is set and not beaten; after
 * {@code patience} epochs without one (never at the first epoch) fit stops. With restore_best_weights the model's
 * variables from the best epoch (the first epoch's, if none improved) are put back when fit ends, stopped or not.
 */
public final class EarlyStoppingHook implements FitLoop.Hook {
  /** The callback's arguments; {@code baseline} is null for none. */
  public record Config(String monitor, double minDelta, int patience, String mode, Double baseline,
      boolean restoreBestWeights) {
    public Config {
      Monitors.checkMode("--early-stopping-mode", mode);
      if (patience < 0) throw new IllegalArgumentException("--early-stopping-patience must be >= 0, got " + patience);
      if (!Double.isFinite(minDelta)) {
        throw new IllegalArgumentException("--early-stopping-min-delta must be finite, got " + minDelta);
      }
      if (baseline != null && !Double.isFinite(baseline)) {
        throw new IllegalArgumentException("--early-stopping-baseline must be finite, got " + baseline);
      }
    }

    /** Whether greater is better: Keras's mode, with auto resolved from the monitor's name. */
    boolean greater() {
      if (!mode.equals("auto")) return mode.equals("max");
      return monitor.endsWith("acc") || monitor.endsWith("accuracy") || monitor.endsWith("auc");
    }
  }

  /** The callback's counters (what a checkpoint keeps). */
  public record State(int waited, int stoppedEpoch, double best, int bestEpoch) {}

  private final Config c;
  private final DeviceRunner runner;
  private final List<String> variables;
  private final PrintStream log;
  private final double minDelta;
  private State s;
  private Map<String, Tensor> bestWeights;
  private boolean stop;

  /**
   * {@code variables}: the model's variables (what get_weights returns), read from {@code runner} (null in tests of
   * the logic alone: no variables are kept).
   */
  public EarlyStoppingHook(Config c, DeviceRunner runner, List<String> variables, PrintStream log) {
    this.c = c;
    this.runner = runner;
    this.variables = List.copyOf(variables);
    this.log = log;
    this.minDelta = c.greater() ? Math.abs(c.minDelta()) : -Math.abs(c.minDelta());
    this.s = new State(0, 0, c.greater() ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY, 0);
  }

  /** Continues from a checkpoint's state and best weights (null when none were kept). */
  public void resume(State state, Map<String, Tensor> weights) {
    this.s = state;
    this.bestWeights = weights;
  }

  @Override
  public void epochEnd(FitLoop.EpochEvent e) {
    Double current = e.logs().get(c.monitor());
    if (current == null) return;
    epochEnd(e.epoch(), current);
  }

  private void epochEnd(int epoch, double current) {
    int wait = s.waited(), bestEpoch = s.bestEpoch();
    double best = s.best();
    if (c.restoreBestWeights() && bestWeights == null) {
      bestWeights = weights();
      bestEpoch = epoch;
    }
    wait++;
    if (improves(current, best)) {
      best = current;
      bestEpoch = epoch;
      if (c.restoreBestWeights()) bestWeights = weights();
      if (c.baseline() == null || improves(current, c.baseline())) wait = 0;
      s = new State(wait, s.stoppedEpoch(), best, bestEpoch);
      return;
    }
    int stopped = s.stoppedEpoch();
    if (wait >= c.patience() && epoch > 0) {
      stopped = epoch;
      stop = true;
      log.println("Epoch " + (epoch + 1) + ": early stopping (" + c.monitor() + " did not improve for " + wait
          + " epochs)");
    }
    s = new State(wait, stopped, best, bestEpoch);
  }

  private boolean improves(double current, double reference) {
    return c.greater() ? current - minDelta > reference : current - minDelta < reference;
  }

  private Map<String, Tensor> weights() {
    return runner == null ? Map.of() : new LinkedHashMap<>(runner.read(variables));
  }

  @Override
  public boolean stopTraining() {
    return stop;
  }

  /** Keras's on_train_end: puts the best epoch's variables back; true when it did. */
  public boolean restore() {
    if (!c.restoreBestWeights() || bestWeights == null) return false;
    runner.put(bestWeights);
    log.println("Restoring model weights from the end of the best epoch: " + (s.bestEpoch() + 1) + ".");
    return true;
  }

  public State state() {
    return s;
  }

  /** The best epoch's variables kept for restoring (null when none are kept). */
  public Map<String, Tensor> bestWeights() {
    return bestWeights;
  }

  public Config config() {
    return c;
  }
}
