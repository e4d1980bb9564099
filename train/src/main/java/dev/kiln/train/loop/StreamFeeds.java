package dev.kiln.train.loop;

import dev.kiln.core.backend.DeviceArray;
import dev.kiln.io.pipeline.BatchStream;
import java.util.List;
import java.util.Map;

/**
 * Training feeds from a host batch stream: each step's batch copied to the devices (x, y per replica, and the step
 * number), freed once the step is enqueued. It counts the batches it has given: the stream's position, which a
 * checkpoint records so a resumed run continues the same stream.
 */
public final class StreamFeeds implements FitLoop.Feeds {
  private final DeviceRunner runner;
  private final BatchStream stream;
  private final int local;
  private long position;

  /** {@code position}: how many batches the stream has already given (0 for a fresh one). */
  public StreamFeeds(DeviceRunner runner, BatchStream stream, int localBatch, long position) {
    this.runner = runner;
    this.stream = stream;
    this.local = localBatch;
    this.position = position;
  }

  @Override
  public Map<String, List<DeviceArray>> next(long globalStep) {
    position++;
    return BatchFeeds.training(runner, stream.next(), local, globalStep);
  }

  @Override
  public void done(Map<String, List<DeviceArray>> feeds) {
    BatchFeeds.close(feeds);
  }

  /** Batches given so far. */
  @Override
  public long position() {
    return position;
  }
}
