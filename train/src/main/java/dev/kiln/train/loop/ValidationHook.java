package dev.kiln.train.loop;


/**
 * Validation after every epoch, as Keras's {@code validation_data}: the evaluation step over every holdout window,
 * its metrics added to the epoch's logs as {@code val_loss}, {@code val_recall}, ...; the last result is kept for
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
    e.logs().put("val_loss", last.values().loss());
    e.logs().put("val_recall", last.values().recall());
    e.logs().put("val_precision", last.values().precision());
    e.logs().put("val_auc", last.values().auc());
  }

  /** The last epoch's validation, or null before the first. */
  public Evaluator.Result last() {
    return last;
  }
}
