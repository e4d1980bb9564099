package dev.kiln.train.loop;

import dev.kiln.core.Tensor;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * Keras's {@code ModelCheckpoint(save_best_only=True)} (tf_keras 2.21): after each epoch whose monitored log beats
 * the best so far (strictly less in min mode, greater in max; auto is max only when the name contains "acc"), the
 * model's variables are handed to the writer (which writes the best epoch's model files).
 */
public final class SaveBestHook implements FitLoop.Hook {
  /** The callback's arguments. */
  public record Config(String monitor, String mode) {
    public Config {
      Monitors.checkMode("--save-best-mode", mode);
    }

    boolean greater() {
      return mode.equals("max") || (mode.equals("auto") && monitor.contains("acc"));
    }
  }

  /** Writes the model files of epoch {@code epoch} (0-based) from the variables. */
  @FunctionalInterface
  public interface Writer {
    void write(int epoch, Map<String, Tensor> variables) throws IOException;
  }

  private final Config c;
  private final DeviceRunner runner;
  private final List<String> variables;
  private final Writer writer;
  private final PrintStream log;
  private double best;

  /** {@code runner} holds the model's {@code variables} (null in tests of the logic alone: no variables). */
  public SaveBestHook(Config c, DeviceRunner runner, List<String> variables, Writer writer, PrintStream log) {
    this.c = c;
    this.runner = runner;
    this.variables = List.copyOf(variables);
    this.writer = writer;
    this.log = log;
    this.best = c.greater() ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
  }

  /** Continues from a checkpoint's best value. */
  public void resume(double best) {
    this.best = best;
  }

  @Override
  public void epochEnd(FitLoop.EpochEvent e) {
    Double current = e.logs().get(c.monitor());
    if (current == null || !improves(current)) return;
    try {
      writer.write(e.epoch(), runner == null ? Map.of() : runner.read(variables));
    } catch (IOException x) {
      throw new UncheckedIOException("could not write the best model: " + x.getMessage(), x);
    }
    log.printf("Epoch %d: %s improved from %.5f to %.5f, saved the model%n", e.epoch() + 1, c.monitor(), best, current);
    best = current;
  }

  /** Whether {@code current} beats the best so far. */
  boolean improves(double current) {
    return c.greater() ? current > best : current < best;
  }

  public double best() {
    return best;
  }

  public Config config() {
    return c;
  }
}
