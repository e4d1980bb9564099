package dev.kiln.train.loop;

import dev.kiln.ops.metrics.Metrics;
import dev.kiln.ops.train.Losses;
import dev.kiln.ops.train.StepGraphs;
import java.io.PrintStream;
import java.util.Map;

/**
 * Keras-style progress: "Epoch i/n", a bar with the running loss and metrics (read from the devices only when the
 * bar redraws, which is also when the loop reads the loss), and after each epoch one line with every metric in the
 * logs, validation included. It also totals the training time for samples/s.
 */
public final class ProgressHook implements FitLoop.Hook {
  private final PrintStream out;
  private final DeviceRunner runner;
  private final int epochs;
  private final int batchSize;
  private final int stepsPerEpoch;
  private final Losses losses;
  private ProgressBar bar;
  private double seconds;
  private long samples;

  public ProgressHook(PrintStream out, DeviceRunner runner, int epochs, int stepsPerEpoch, int batchSize) {
    this(out, runner, epochs, stepsPerEpoch, batchSize, null);
  }

  /** As above, for a step keeping the metric counts of {@code losses} (null: the seed's). */
  public ProgressHook(PrintStream out, DeviceRunner runner, int epochs, int stepsPerEpoch, int batchSize,
      Losses losses) {
    this.losses = losses;
    this.out = out;
    this.runner = runner;
    this.epochs = epochs;
    this.stepsPerEpoch = stepsPerEpoch;
    this.batchSize = batchSize;
  }

  /** Whether step {@code s} of the current epoch redraws the bar (the loop reads the loss there). */
  public boolean wants(int s) {
    return bar != null && bar.wants(s);
  }

  @Override
  public void epochStart(int epoch) {
    out.printf("Epoch %d/%d%n", epoch + 1, epochs);
    bar = new ProgressBar(out, stepsPerEpoch);
  }

  @Override
  public void step(FitLoop.StepEvent e) {
    if (e.read() && bar.wants(e.step())) {
      String text = losses == null ? Metrics.values(runner.read(StepGraphs.metricNames(""))).format("")
          : losses.format(runner.read(StepGraphs.metricNames("", losses)));
      bar.update(e.step(), (long) e.step() * batchSize, text);
    }
  }

  @Override
  public void epochEnd(FitLoop.EpochEvent e) {
    seconds += e.seconds();
    samples += (long) e.stepsPerEpoch() * batchSize;
    StringBuilder line = new StringBuilder(String.format("%d/%d - %.0fs", e.stepsPerEpoch(), e.stepsPerEpoch(),
        e.seconds()));
    for (Map.Entry<String, Double> m : e.logs().entrySet()) {
      line.append(String.format(" - %s: %.4f", m.getKey(), m.getValue()));
    }
    out.println(line);
  }

  public double samplesPerSecond() {
    return seconds > 0 ? samples / seconds : 0;
  }
}
