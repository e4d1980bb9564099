package dev.kiln.train.loop;

import dev.kiln.core.backend.DeviceArray;
import dev.kiln.ops.metrics.Metrics;
import dev.kiln.ops.train.StatefulStep;
import dev.kiln.ops.train.Losses;
import dev.kiln.ops.train.StepGraphs;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntPredicate;

/**
 * The one loop that runs a training step: epochs of steps, each enqueued without waiting for the previous one,
 * the loss read back only at the steps {@code readAt} asks for (and at each epoch's last), and everything else a
 * run does (progress, validation, checkpoints, the stop on a non-finite loss, timing) done by {@link Hook}s, in the
 * order given. {@code train} and {@code bench} both use it; a new behaviour is one new hook.
 */
public final class FitLoop {
  /**
   * Called by the loop; every method is optional. A hook that throws stops the loop: a {@link StopTraining} passes
   * on as it is, anything else as a {@link HookException} that names the hook, the epoch and the step.
   */
  public interface Hook {
    default void epochStart(int epoch) {}

    default void step(StepEvent e) {}

    default void epochEnd(EpochEvent e) {}

    /** Asked after every hook's epochEnd: true ends fit after this epoch (Keras's {@code stop_training}). */
    default boolean stopTraining() {
      return false;
    }

    /** The name errors give the hook: its class's simple name unless it says otherwise. */
    default String name() {
      String n = getClass().getSimpleName();
      return n.isEmpty() ? getClass().getName() : n;
    }
  }

  /** Thrown by a hook to stop training on purpose (the NaN stop); the loop passes it on unwrapped. */
  public static class StopTraining extends RuntimeException {
    public StopTraining(String message) {
      super(message);
    }
  }

  /** A hook failed: the message names the hook and where, then the cause's own message. */
  public static final class HookException extends RuntimeException {
    private final String hook;

    HookException(String hook, String where, RuntimeException cause) {
      super(hook + " failed " + where + ": " + (cause.getMessage() == null ? cause.getClass().getSimpleName()
          : cause.getMessage()), cause);
      this.hook = hook;
    }

    /** The failing hook's name. */
    public String hook() {
      return hook;
    }
  }

  /**
   * One step done (enqueued). {@code loss} is the step's loss when {@code read}, else NaN and not read: reading waits
   * for the device.
   */
  public record StepEvent(int epoch, int step, int stepsPerEpoch, long globalStep, boolean read, double loss) {}

  /** One epoch done: its wall time and the logs (training metrics; hooks add theirs, e.g. validation). */
  public record EpochEvent(int epoch, int stepsPerEpoch, double seconds, Map<String, Double> logs) {}

  /** Where each step's feeds come from; closed once the loop is done with them. */
  public interface Feeds extends AutoCloseable {
    /** The feeds of global step {@code globalStep} (from 1), one array per replica each. */
    Map<String, List<DeviceArray>> next(long globalStep);

    /** Called once the step using {@code feeds} is enqueued. */
    void done(Map<String, List<DeviceArray>> feeds);

    /** How many batches the underlying data stream has given (what a checkpoint records); 0 when not a stream. */
    default long position() {
      return 0;
    }

    /** Waits for what the devices still read of the feeds' host memory, and frees it. */
    @Override
    default void close() {}
  }

  private final DeviceRunner runner;
  private final StatefulStep train;
  private final List<Hook> hooks;
  private final IntPredicate readAt;
  private final Losses losses;

  /** A loop whose step keeps the seed's metric counts (one output). */
  public FitLoop(DeviceRunner runner, StatefulStep train, IntPredicate readAt, List<Hook> hooks) {
    this(runner, train, readAt, hooks, null);
  }

  /** A loop whose step keeps the metric counts of {@code losses} (null: the seed's), logged under their names. */
  public FitLoop(DeviceRunner runner, StatefulStep train, IntPredicate readAt, List<Hook> hooks, Losses losses) {
    this.runner = runner;
    this.train = train;
    this.readAt = readAt;
    this.hooks = List.copyOf(hooks);
    this.losses = losses;
    runner.compile(train);
  }

  /** Runs epochs {@code firstEpoch} to {@code epochs - 1} (0-based) of {@code stepsPerEpoch} steps. */
  public void run(int firstEpoch, int epochs, int stepsPerEpoch, Feeds feeds) {
    for (int epoch = firstEpoch; epoch < epochs; epoch++) {
      runner.put(losses == null ? StepGraphs.zeroMetrics("") : StepGraphs.zeroMetrics("", losses));
      int e0 = epoch;
      each("at the start of epoch " + (epoch + 1), h -> h.epochStart(e0));
      long t0 = System.nanoTime();
      for (int s = 1; s <= stepsPerEpoch; s++) {
        StepEvent e = step(epoch, s, stepsPerEpoch, feeds);
        each("at epoch " + (epoch + 1) + ", step " + s, h -> h.step(e));
      }
      EpochEvent e = new EpochEvent(epoch, stepsPerEpoch, (System.nanoTime() - t0) / 1e9, trainingLogs());
      each("at the end of epoch " + (epoch + 1), h -> h.epochEnd(e));
      if (hooks.stream().anyMatch(Hook::stopTraining)) break;
    }
  }

  /** Enqueues step {@code s} of {@code epoch}, reading its loss back only when asked to. */
  private StepEvent step(int epoch, int s, int stepsPerEpoch, Feeds feeds) {
    long global = (long) epoch * stepsPerEpoch + s;
    Map<String, List<DeviceArray>> f = feeds.next(global);
    Map<String, List<DeviceArray>> results;
    try {
      results = runner.run(train, f);
    } finally {
      feeds.done(f);
    }
    boolean read = s == stepsPerEpoch || readAt.test(s);
    double loss = read ? runner.read(results.get("loss").get(0)).item() : Double.NaN;
    DeviceRunner.release(results);
    return new StepEvent(epoch, s, stepsPerEpoch, global, read, loss);
  }

  /** The epoch's training metrics, read from the devices, under Keras's names. */
  private Map<String, Double> trainingLogs() {
    if (losses != null) return new LinkedHashMap<>(losses.logs(runner.read(StepGraphs.metricNames("", losses))));
    Map<String, Double> logs = new LinkedHashMap<>();
    Metrics.Values v = Metrics.values(runner.read(StepGraphs.metricNames("")));
    logs.put("loss", v.loss());
    logs.put("recall", v.recall());
    logs.put("precision", v.precision());
    logs.put("auc", v.auc());
    return logs;
  }

  /** Calls every hook in order; a failure other than a deliberate stop is wrapped with the hook's name. */
  private void each(String where, Consumer<Hook> call) {
    for (Hook h : hooks) {
      try {
        call.accept(h);
      } catch (StopTraining | HookException stop) {
        throw stop;
      } catch (RuntimeException x) {
        throw new HookException(h.name(), where, x);
      }
    }
  }
}
