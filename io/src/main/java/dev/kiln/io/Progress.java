package dev.kiln.io;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar for long jobs (converting, generating, inspecting), redrawn in place on a terminal stream at
 * most a few times a second so that it costs nothing measurable. On anything else (a log, a pipe; see {@link
 * Terminal}) it prints a whole line at every tenth of the work (or half minute) and at the end, never a carriage
 * return. A null
 * stream makes it silent.
 */
public final class Progress {
  private static final long REDRAW_NANOS = 250_000_000L;
  private static final long LOG_NANOS = 30_000_000_000L;
  private static final int WIDTH = 30;

  private final PrintStream out;
  private final String label;
  private final long total;
  private final long started = System.nanoTime();
  private final boolean redraw;
  private long lastDraw;
  private boolean drawn;
  private int lastTenth = -1;

  /** A bar for {@code total} units of work (bytes, rows), labelled {@code label}; {@code out} may be null. */
  public Progress(PrintStream out, String label, long total) {
    this(out, label, total, Terminal.redraws(out));
  }

  /** As above, saying whether {@code out} is a terminal that redraws in place. */
  public Progress(PrintStream out, String label, long total, boolean redraw) {
    this.out = out;
    this.label = label;
    this.total = Math.max(1, total);
    this.redraw = redraw;
  }

  /** Reports that {@code done} units are done; {@code detail} is shown after the bar. */
  public void update(long done, String detail) {
    if (out == null) {
      return;
    }
    long now = System.nanoTime();
    if (!redraw) {
      // The last tenth is left to finish(); a slow job still shows a line every half minute.
      int tenth = (int) Math.min(9, done * 10 / total);
      if (tenth != lastTenth || now - lastDraw >= LOG_NANOS) {
        lastTenth = tenth;
        lastDraw = now;
        draw(done, detail);
      }
      return;
    }
    if (drawn && now - lastDraw < REDRAW_NANOS) {
      return;
    }
    lastDraw = now;
    draw(done, detail);
  }

  /** Draws the final state and ends the line. */
  public void finish(long done, String detail) {
    if (out == null) {
      return;
    }
    draw(done, detail);
    if (redraw) out.println();
    out.flush();
  }

  private void draw(long done, String detail) {
    double frac = Math.min(1.0, (double) done / total);
    int filled = (int) Math.round(frac * WIDTH);
    double secs = (System.nanoTime() - started) / 1e9;
    String line = String.format(Locale.ROOT, "%s [%s%s] %5.1f%% %s %.0fs", label, "#".repeat(filled),
        " ".repeat(WIDTH - filled), frac * 100, detail, secs);
    if (redraw) {
      out.print("\r" + line);
    } else {
      out.println(line);
    }
    out.flush();
    drawn = true;
  }
}
