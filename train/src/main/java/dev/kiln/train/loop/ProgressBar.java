package dev.kiln.train.loop;

import java.io.PrintStream;

/**
 * Keras-style progress for one epoch: step count, a bar, ETA, running loss and metrics, samples/s. On a terminal
 * the line is redrawn in place; otherwise (logs, CI; see {@link dev.kiln.io.Terminal}) a line is printed every
 * tenth of the epoch.
 */
final class ProgressBar {
  private final PrintStream out;
  private final int total;
  private final boolean tty;
  private final long start = System.nanoTime();
  private int lastDecile = -1;

  ProgressBar(PrintStream out, int total) {
    this.out = out;
    this.total = total;
    this.tty = dev.kiln.io.Terminal.redraws(out);
  }

  /** Whether the bar wants an update at this step (so callers fetch metrics only then). */
  boolean wants(int step) {
    if (step == total) return true;
    if (tty) return step % Math.max(1, total / 100) == 0;
    return step * 10 / Math.max(1, total) != lastDecile;
  }

  void update(int step, long samples, String metrics) {
    if (!wants(step)) return;
    lastDecile = step * 10 / Math.max(1, total);
    double secs = (System.nanoTime() - start) / 1e9;
    int width = 30;
    int filled = (int) ((long) width * step / Math.max(1, total));
    String bar = "=".repeat(Math.max(0, filled - 1)) + (filled > 0 ? (step == total ? "=" : ">") : "")
        + ".".repeat(width - filled);
    String time = step == total ? String.format("%.0fs", secs)
        : "ETA: " + String.format("%.0fs", secs / Math.max(1, step) * (total - step));
    String line = String.format("%" + String.valueOf(total).length() + "d/%d [%s] - %s - %s - %.0f samples/s", step,
        total, bar, time, metrics, samples / Math.max(1e-9, secs));
    if (tty) {
      out.print("\r" + line + (step == total ? "\n" : ""));
    } else {
      out.println(line);
    }
    out.flush();
  }
}
