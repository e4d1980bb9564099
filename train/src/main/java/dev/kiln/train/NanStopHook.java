package dev.kiln.train;

import dev.kiln.core.Tensor;
import dev.kiln.ops.train.StepGraphs;
import dev.kiln.train.loop.DeviceRunner;
import dev.kiln.train.loop.FitLoop;
import java.util.List;
import java.util.Map;

/**
 * Stops training when the loss stops being finite. The step keeps the first non-finite step and its loss on the
 * device, so although the loss is read only now and then, the message names the exact epoch and step; no checkpoint
 * is written after it, so the last good one stays.
 */
final class NanStopHook implements FitLoop.Hook {
  private final DeviceRunner runner;
  private final TrainOptions options;

  NanStopHook(DeviceRunner runner, TrainOptions options) {
    this.runner = runner;
    this.options = options;
  }

  @Override
  public void step(FitLoop.StepEvent e) {
    if (!e.read()) return;
    Map<String, Tensor> m = runner.read(List.of(StepGraphs.FIRST_NONFINITE_STEP, StepGraphs.FIRST_NONFINITE_LOSS));
    long first = Integer.toUnsignedLong(m.get(StepGraphs.FIRST_NONFINITE_STEP).ints()[0]);
    if (first == 0) return;
    double loss = m.get(StepGraphs.FIRST_NONFINITE_LOSS).item();
    int epoch = (int) ((first - 1) / e.stepsPerEpoch());
    long step = (first - 1) % e.stepsPerEpoch() + 1;
    throw new Trainer.DivergedException("the loss became " + loss + " at epoch " + (epoch + 1) + ", step " + step
        + (epoch > 0 ? "; the last good checkpoint (epoch " + epoch + ") is in " + Checkpoint.dir(options.out())
            : "; no epoch completed, so there is no checkpoint") + ". " + hint(options));
  }

  /**
   * What is known about the cause: every row read was checked finite (features, date, resp, weight) and so were the
   * normalization statistics and the float flags, so the non-finite values arose in training itself.
   */
  static String hint(TrainOptions o) {
    return "The data, its normalization statistics and the flags were checked finite, so the values diverged in "
        + "training: try a lower --lr (this run's: " + o.learningRate() + ")"
        + (o.momentum() > 0 ? " or --momentum (" + o.momentum() + ")" : "")
        + (o.modelFile() != null ? ", or check --model's layers for operations that can overflow" : "") + ".";
  }
}
