package dev.kiln.train.loop;

import java.util.List;

/** What the fit callbacks may monitor: the epoch's logs as Keras names them. */
public final class Monitors {
  private Monitors() {}

  /** The training and validation metrics every epoch logs. */
  public static final List<String> NAMES = List.of("loss", "recall", "precision", "auc", "val_loss", "val_recall",
      "val_precision", "val_auc");

  /** Fails with one line naming {@code flag} unless {@code monitor} is one of {@link #NAMES}. */
  public static String check(String flag, String monitor) {
    return check(flag, monitor, NAMES);
  }

  /**
   * Fails with one line naming {@code flag} unless {@code monitor} is one of {@code names} (a model with several
   * outputs logs {@code val_action_auc}, ...).
   */
  public static String check(String flag, String monitor, List<String> names) {
    if (!names.contains(monitor)) {
      throw new IllegalArgumentException(flag + " must be one of " + String.join(", ", names) + "; got " + monitor);
    }
    return monitor;
  }

  /** Fails with one line unless {@code mode} is auto, min or max. */
  static void checkMode(String flag, String mode) {
    if (!List.of("auto", "min", "max").contains(mode)) {
      throw new IllegalArgumentException(flag + " must be auto, min or max; got " + mode);
    }
  }
}
