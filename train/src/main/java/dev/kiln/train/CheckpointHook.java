package dev.kiln.train;

import dev.kiln.train.loop.DeviceRunner;
import dev.kiln.train.loop.FitLoop;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The end-of-epoch checkpoint: the training state read from the devices, the history so far and the data
 * stream's position, written atomically (the previous epoch's kept beside it).
 */
final class CheckpointHook implements FitLoop.Hook {
  private final DeviceRunner runner;
  private final List<String> state;
  private final Map<String, List<Double>> history;
  private final LongSupplier dataPosition;
  private final TrainOptions options;

  CheckpointHook(DeviceRunner runner, List<String> state, Map<String, List<Double>> history, LongSupplier dataPosition,
      TrainOptions options) {
    this.runner = runner;
    this.state = state;
    this.history = history;
    this.dataPosition = dataPosition;
    this.options = options;
  }

  @Override
  public void epochEnd(FitLoop.EpochEvent e) {
    try {
      Checkpoint.save(options.out(), e.epoch() + 1, dataPosition.getAsLong(), runner.read(state), history, options);
    } catch (IOException x) {
      throw new UncheckedIOException("could not write the checkpoint: " + x.getMessage(), x);
    }
  }
}
