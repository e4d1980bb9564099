package dev.kiln.train.loop;

/** Training stopped because the loss stopped being finite: a deliberate stop, passed on by the loop as it is. */
public final class DivergedException extends FitLoop.StopTraining {
  public DivergedException(String message) {
    super(message);
  }
}
