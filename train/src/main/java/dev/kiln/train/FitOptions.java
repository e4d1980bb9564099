package dev.kiln.train;

import dev.kiln.ops.train.LossSpec;
import dev.kiln.ops.train.Optimization;
import dev.kiln.ops.train.Sgd;
import dev.kiln.train.loop.EarlyStoppingHook;
import dev.kiln.train.loop.ReduceLrOnPlateauHook;
import dev.kiln.train.loop.SaveBestHook;
import java.nio.file.Path;

/**
 * How a run fits beyond {@link TrainOptions}: the optimizer (with its learning-rate schedule), Keras's fit
 * callbacks, each null when not asked for ({@code tensorboard}: the folder of Keras's TensorBoard callback), and the
 * losses of the model's outputs. With ReduceLROnPlateau the learning rate becomes a step input (it changes between
 * steps); otherwise it stays a constant of the graph, so the seed's step is built as it always was.
 */
public record FitOptions(Optimization optimization, EarlyStoppingHook.Config earlyStopping,
    ReduceLrOnPlateauHook.Config reduceLr, SaveBestHook.Config saveBest, LossSpec losses, Path tensorboard) {
  /** The options with the default losses (binary cross-entropy of every sigmoid output, weight 1), no TensorBoard. */
  public FitOptions(Optimization optimization, EarlyStoppingHook.Config earlyStopping,
      ReduceLrOnPlateauHook.Config reduceLr, SaveBestHook.Config saveBest) {
    this(optimization, earlyStopping, reduceLr, saveBest, LossSpec.DEFAULT, null);
  }

  public FitOptions {
    if (optimization == null) throw new IllegalArgumentException("an optimizer is required");
    if (losses == null) losses = LossSpec.DEFAULT;
    if (reduceLr != null && optimization.schedule() != null) {
      throw new IllegalArgumentException("--reduce-lr-on-plateau cannot change the rate of an --lr-schedule (Keras "
          + "refuses to set a schedule's learning rate too); use one or the other");
    }
    if (reduceLr != null && !optimization.rateInput()) optimization = optimization.withRateInput();
  }

  /** The seed's fit: SGD with Nesterov momentum at {@code o}'s learning rate and momentum, no callbacks. */
  public static FitOptions seed(TrainOptions o) {
    return new FitOptions(Optimization.of(new Sgd(o.learningRate(), o.momentum(), true), null), null, null, null);
  }
}
