package dev.kiln.train.loop;

import dev.kiln.core.backend.DeviceArray;
import dev.kiln.core.backend.HostHold;
import dev.kiln.io.pipeline.Batch;
import dev.kiln.io.pipeline.BatchStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Training feeds from a host batch stream: each step's batch placed on the devices (x, y per replica, and the step
 * number) without the host waiting for the copy. The batch is retained from the stream until the devices are done
 * with its memory (on a CPU device they read it in place), so a transfer overlaps the step before it and nothing is
 * copied twice. It counts the batches it has given: the stream's position, which a checkpoint records so a resumed
 * run continues the same stream.
 */
public final class StreamFeeds implements FitLoop.Feeds {
  private final DeviceRunner runner;
  private final BatchStream stream;
  private final int local;
  private long position;
  /** Batches the devices may still read, oldest first, with their holds. */
  private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();

  private record InFlight(Batch batch, List<HostHold> holds) {
    boolean done() {
      for (HostHold h : holds) if (!h.done()) return false;
      return true;
    }

    void await() {
      for (HostHold h : holds) h.await();
    }
  }

  /** {@code position}: how many batches the stream has already given (0 for a fresh one). */
  public StreamFeeds(DeviceRunner runner, BatchStream stream, int localBatch, long position) {
    this.runner = runner;
    this.stream = stream;
    this.local = localBatch;
    this.position = position;
  }

  @Override
  public Map<String, List<DeviceArray>> next(long globalStep) {
    // Give back the batches the devices are done with; wait for the oldest if the stream's pool would run dry.
    while (!inFlight.isEmpty() && inFlight.peekFirst().done()) stream.release(inFlight.removeFirst().batch());
    while (inFlight.size() >= stream.retainable() - 1) releaseOldest();
    Batch b = stream.next();
    position++;
    List<HostHold> holds = new ArrayList<>(2 * runner.replicas());
    Map<String, List<DeviceArray>> feeds = BatchFeeds.training(runner, b, local, globalStep, holds);
    stream.retain(b);
    inFlight.addLast(new InFlight(b, holds));
    return feeds;
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

  /** Waits until the devices are done with every batch and gives them back to the stream. */
  @Override
  public void close() {
    while (!inFlight.isEmpty()) releaseOldest();
  }

  /** Waits until the devices are done with the oldest batch in flight, and gives it back. */
  private void releaseOldest() {
    InFlight oldest = inFlight.removeFirst();
    oldest.await();
    stream.release(oldest.batch());
  }
}
