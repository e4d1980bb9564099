package dev.kiln.train.loop;


/**
 * Validation after every epoch, as Keras's {@code validation_data}: the evaluation step over every holdout window,
 * its logs added to the epoch's as {@code val_loss}, {@code val_recall}, ... (with several outputs
 * {@code val_action_auc}, ...); the last result is kept for
 * the final reports (utility score, curves).
 */
public final class ValidationHook implements FitLoop.Hook {
  private final java.util.function.Supplier<Evaluator.Result> evaluate;
  private Evaluator.Result last;

  /** {@code evaluate} runs the evaluator over the validation fold (fed from the host or held on the devices). */
  public ValidationHook(java.util.function.Supplier<Evaluator.Result> evaluate) {
    this.evaluate = evaluate;
  }

  @Override
  public void epochEnd(FitLoop.EpochEvent e) {
    last = evaluate.get();
    last.logs().forEach((k, v) -> e.logs().put("val_" + k, v));
  }

  /** The last epoch's validation, or null before the first. */
  public Evaluator.Result last() {
    return last;
  }
}
