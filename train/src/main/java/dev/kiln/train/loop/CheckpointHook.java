package dev.kiln.train.loop;

import dev.kiln.core.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The end-of-epoch checkpoint: the training state read from the devices and the data stream's position, handed to
 * the run's writer (which writes them atomically with the history, keeping the previous epoch's beside them).
 */
public final class CheckpointHook implements FitLoop.Hook {
  /** Writes one checkpoint: epochs done, batches the data stream has given, and the state by name. */
  @FunctionalInterface
  public interface Writer {
    void write(int epochsDone, long dataPosition, Map<String, Tensor> state) throws IOException;
  }

  private final DeviceRunner runner;
  private final List<String> state;
  private final LongSupplier dataPosition;
  private final Writer writer;

  public CheckpointHook(DeviceRunner runner, List<String> state, LongSupplier dataPosition, Writer writer) {
    this.runner = runner;
    this.state = state;
    this.dataPosition = dataPosition;
    this.writer = writer;
  }

  @Override
  public void epochEnd(FitLoop.EpochEvent e) {
    try {
      writer.write(e.epoch() + 1, dataPosition.getAsLong(), runner.read(state));
    } catch (IOException x) {
      throw new UncheckedIOException("could not write the checkpoint: " + x.getMessage(), x);
    }
  }
}
