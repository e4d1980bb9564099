package dev.kiln.train.loop;

import dev.kiln.core.Tensor;
import dev.kiln.ops.train.Optimization;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * Keras's {@code ReduceLROnPlateau} (tf_keras 2.21): after each epoch it logs the learning rate as {@code lr}; the
 * monitored log improves when it beats the best by {@code min_delta} (min mode, which auto is unless the name contains
 * "acc"; max mode: greater by min_delta). In cooldown the counter drops and the wait resets; otherwise after
 * {@code patience} epochs without improvement the rate, when above min_lr, becomes max(lr · factor, min_lr) (in float
 * 32, as Keras) and the cooldown starts. The rate is the step's {@link Optimization#LEARNING_RATE} input: the next step
 * reads it, nothing is recompiled.
 */
public final class ReduceLrOnPlateauHook implements FitLoop.Hook {
  /** The callback's arguments. */
  public record Config(String monitor, double factor, int patience, String mode, double minDelta, int cooldown,
      double minLr) {
    public Config {
      Monitors.checkMode("--reduce-lr-mode", mode);
      if (!(factor > 0 && factor < 1)) {
        throw new IllegalArgumentException("--reduce-lr-on-plateau FACTOR must be in (0, 1), got " + factor);
      }
      if (patience < 0) throw new IllegalArgumentException("--reduce-lr-on-plateau PATIENCE must be >= 0, got " + patience);
      if (cooldown < 0) throw new IllegalArgumentException("--reduce-lr-cooldown must be >= 0, got " + cooldown);
      if (!(Double.isFinite(minDelta) && minDelta >= 0)) {
        throw new IllegalArgumentException("--reduce-lr-min-delta must be a finite number >= 0, got " + minDelta);
      }
      if (!(Double.isFinite(minLr) && minLr >= 0)) {
        throw new IllegalArgumentException("--reduce-lr-min-lr must be a finite number >= 0, got " + minLr);
      }
    }

    boolean greater() {
      return mode.equals("max") || (mode.equals("auto") && monitor.contains("acc"));
    }
  }

  /** The callback's counters (what a checkpoint keeps). */
  public record State(int waited, int cooldownCounter, double best) {}

  /** Where the learning rate is read and written (the device runner, or a test's variable). */
  public interface Rate {
    float get();

    void set(float lr);

    /** The step's learning-rate input on {@code runner}. */
    static Rate of(DeviceRunner runner) {
      return new Rate() {
        @Override
        public float get() {
          return runner.read(List.of(Optimization.LEARNING_RATE)).get(Optimization.LEARNING_RATE).floats()[0];
        }

        @Override
        public void set(float lr) {
          runner.put(Map.of(Optimization.LEARNING_RATE, Tensor.scalar(lr)));
        }
      };
    }
  }

  private final Config c;
  private final Rate rate;
  private final PrintStream log;
  private State s;

  public ReduceLrOnPlateauHook(Config c, Rate rate, PrintStream log) {
    this.c = c;
    this.rate = rate;
    this.log = log;
    this.s = new State(0, 0, c.greater() ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
  }

  public void resume(State state) {
    this.s = state;
  }

  @Override
  public void epochEnd(FitLoop.EpochEvent e) {
    float lr = rate.get();
    e.logs().put("lr", (double) lr);
    Double current = e.logs().get(c.monitor());
    if (current != null) epochEnd(e.epoch(), current, lr);
  }

  /** One epoch's monitored value, with the rate {@code lr} it trained with. */
  private void epochEnd(int epoch, double current, float lr) {
    int wait = s.waited(), cooldown = s.cooldownCounter();
    double best = s.best();
    if (cooldown > 0) {
      cooldown--;
      wait = 0;
    }
    if (c.greater() ? current > best + c.minDelta() : current < best - c.minDelta()) {
      best = current;
      wait = 0;
    } else if (cooldown <= 0) {
      wait++;
      if (wait >= c.patience()) {
        if (lr > (float) c.minLr()) {
          float reduced = lr * (float) c.factor();
          float next = (float) (c.minLr() > reduced ? c.minLr() : reduced);
          rate.set(next);
          log.println("Epoch " + (epoch + 1) + ": ReduceLROnPlateau reducing learning rate to " + next + ".");
          cooldown = c.cooldown();
          wait = 0;
        }
      }
    }
    s = new State(wait, cooldown, best);
  }

  public State state() {
    return s;
  }

  public Config config() {
    return c;
  }
}
