package dev.kiln.io;

import java.io.PrintStream;

/**
 * Whether a progress display may redraw in place on a stream. Java cannot ask whether one particular standard
 * stream is a terminal ({@code System.console()} answers for the process, and from JDK 22 on it is non-null even
 * when output goes to a file), so the {@code ./kiln} launcher tests {@code [ -t 1 ]} and {@code [ -t 2 ]} and passes
 * the answers as {@code kiln.stdout.tty} and {@code kiln.stderr.tty}. Anything else, any stream other than the two,
 * or {@code KILN_PLAIN_PROGRESS} set, counts as a log: whole lines, no carriage returns.
 */
public final class Terminal {
  private Terminal() {}

  /** True when {@code out} is the process's stdout or stderr and the launcher said that stream is a terminal. */
  public static boolean redraws(PrintStream out) {
    if (out == null || IoFlags.PLAIN_PROGRESS.isSet()) return false;
    if (out == System.out) return IoFlags.STDOUT_TTY.isTrue();
    if (out == System.err) return IoFlags.STDERR_TTY.isTrue();
    return false;
  }
}
