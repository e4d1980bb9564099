package dev.kiln.io.pipeline;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Batches assembled from a stream of window ids, optionally prefetched by a background thread that keeps up to
 * {@code prefetch} batches ready. Batches come from a small pool and are reused: a batch returned by {@link #next()}
 * stays valid until the following call to {@link #next()}. A finite stream ends with its last, possibly partial,
 * batch. The order of batches does not depend on the prefetching. Close the stream to stop the thread.
 */
public final class BatchStream implements Iterator<Batch>, AutoCloseable {
  private static final Batch END = null;

  private final BatchAssembler assembler;
  private final WindowSource source;
  private final int batchSize;
  private final long[] ids;
  private final BlockingQueue<Batch> free;
  private final BlockingQueue<Object> ready;
  private final Thread producer;
  private final Batch[] syncPool;
  private int poolSize;
  private int syncNext;
  private Batch held;
  private Batch lookahead;
  private boolean finished;
  private volatile boolean closed;
  private boolean sourceDone;

  private record Failure(Throwable error) {}

  private enum Marker { END_OF_STREAM }

  BatchStream(BatchAssembler assembler, WindowSource source, int batchSize, int prefetch) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
    }
    if (prefetch < 0) {
      throw new IllegalArgumentException("prefetch must be at least 0, got " + prefetch);
    }
    this.assembler = assembler;
    this.source = source;
    this.batchSize = batchSize;
    this.ids = new long[batchSize];
    if (prefetch == 0) {
      this.free = null;
      this.ready = null;
      this.producer = null;
      this.syncPool = new Batch[] {assembler.newBatch(batchSize), assembler.newBatch(batchSize)};
    } else {
      int pool = prefetch + 2;
      this.poolSize = pool;
      this.free = new ArrayBlockingQueue<>(pool);
      this.ready = new ArrayBlockingQueue<>(pool + 1);
      for (int i = 0; i < pool; i++) {
        free.add(assembler.newBatch(batchSize));
      }
      this.syncPool = null;
      this.producer = Thread.ofPlatform().daemon().name("kiln-prefetch").unstarted(this::produce);
      this.producer.start();
    }
  }

  /** Fills {@code b} with the next batch of windows; false (and b untouched) when the source has ended. */
  private boolean fillNext(Batch b) {
    if (sourceDone) {
      return false;
    }
    int n = 0;
    while (n < batchSize) {
      long id = source.next();
      if (id < 0) {
        sourceDone = true;
        break;
      }
      ids[n++] = id;
    }
    if (n == 0) {
      return false;
    }
    assembler.fill(b, ids, 0, n);
    return true;
  }

  private void produce() {
    try {
      while (!closed) {
        Batch b = free.take();
        if (!fillNext(b)) {
          ready.put(Marker.END_OF_STREAM);
          return;
        }
        ready.put(b);
      }
    } catch (InterruptedException e) {
      // Closed while waiting for a free batch: nothing more to do.
    } catch (Throwable t) {
      ready.offer(new Failure(t));
    }
  }

  @Override
  public boolean hasNext() {
    if (closed) {
      return false;
    }
    if (lookahead != END) {
      return true;
    }
    if (finished) {
      return false;
    }
    if (producer == null) {
      Batch b = syncPool[syncNext];
      if (fillNext(b)) {
        syncNext ^= 1;
        lookahead = b;
        return true;
      }
      finished = true;
      return false;
    }
    Object o;
    try {
      o = ready.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the next batch", e);
    }
    if (o instanceof Batch b) {
      lookahead = b;
      return true;
    }
    finished = true;
    if (o instanceof Failure f) {
      throw new IllegalStateException("batch prefetch failed: " + f.error(), f.error());
    }
    return false;
  }

  /** The next batch; valid until the next call to {@code next()}. */
  @Override
  public Batch next() {
    if (!hasNext()) {
      throw new NoSuchElementException("the batch stream has ended");
    }
    Batch b = lookahead;
    lookahead = END;
    if (held != null && free != null) {
      free.add(held);
    }
    held = b;
    return b;
  }

  /**
   * Keeps {@code b}, the batch last returned by {@link #next()}, out of reuse until {@link #release}: for a consumer
   * whose device still reads the batch after the following {@code next()} (an asynchronous transfer, or a CPU device
   * using it in place). The stream hands out at most its pool of batches: a consumer must release retained batches
   * as their holds end, or the stream waits for one. A stream without prefetch replaces a retained batch with a new
   * one (and drops it on release).
   */
  public void retain(Batch b) {
    if (b == null || b != held) throw new IllegalArgumentException("only the batch last returned by next() can be retained");
    held = null;
    if (producer == null) {
      for (int i = 0; i < syncPool.length; i++) if (syncPool[i] == b) syncPool[i] = assembler.newBatch(batchSize);
    }
  }

  /** Returns a batch kept by {@link #retain} to the pool. */
  public void release(Batch b) {
    if (free != null) free.add(b);
  }

  /** Batches a consumer may retain at once without starving the stream. */
  public int retainable() {
    return free == null ? 3 : poolSize - 1;
  }

  /** Whether the prefetch thread is running. */
  boolean prefetching() {
    return producer != null && producer.isAlive();
  }

  /** Stops the prefetch thread. */
  @Override
  public void close() {
    closed = true;
    if (producer != null) {
      producer.interrupt();
      try {
        producer.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
