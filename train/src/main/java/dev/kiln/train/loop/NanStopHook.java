package dev.kiln.train.loop;

import dev.kiln.core.Tensor;
import dev.kiln.ops.train.StepGraphs;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Stops training when the loss stops being finite. The step keeps the first non-finite step and its loss on the
 * device, so although the loss is read only now and then, the message names the exact epoch and step; no checkpoint
 * is written after it, so the last good one stays.
 */
public final class NanStopHook implements FitLoop.Hook {
  private final DeviceRunner runner;
  private final Path checkpointDir;
  private final String hint;

  /** {@code checkpointDir} is where the run's checkpoints are; {@code hint} what the run knows of the cause. */
  public NanStopHook(DeviceRunner runner, Path checkpointDir, String hint) {
    this.runner = runner;
    this.checkpointDir = checkpointDir;
    this.hint = hint;
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
    throw new DivergedException("the loss became " + loss + " at epoch " + (epoch + 1) + ", step " + step
        + (epoch > 0 ? "; the last good checkpoint (epoch " + epoch + ") is in " + checkpointDir
            : "; no epoch completed, so there is no checkpoint") + ". " + hint);
  }
}
