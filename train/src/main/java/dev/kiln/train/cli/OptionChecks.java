package dev.kiln.train.cli;

/**
 * Range checks of numeric options, made before a command does anything, so {@code --batch-size 0} is one clear line
 * and not an error from deep inside a compiled step.
 */
final class OptionChecks {
  private OptionChecks() {}

  /** Fails with "{@code option} must be at least {@code min}, got {@code value}" when below {@code min}. */
  static void atLeast(String option, long value, long min) {
    if (value < min) throw new IllegalArgumentException(option + " must be at least " + min + ", got " + value);
  }
}
