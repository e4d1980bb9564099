package dev.kiln.core.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the Java backend's kernels run on: a fork-join pool and a helper that splits a range of work into chunks.
 * Kernels call {@link #parallelFor} for loops big enough to pay for a fork; small loops run inline.
 */
public final class CpuContext implements AutoCloseable {
  private final ForkJoinPool pool;
  private final boolean ownsPool;

  /** A context with its own pool of {@code threads} workers. */
  public CpuContext(int threads) {
    this.pool = new ForkJoinPool(Math.max(1, threads));
    this.ownsPool = true;
  }

  /** A context over one thread per available processor. */
  public static CpuContext create() {
    return new CpuContext(Runtime.getRuntime().availableProcessors());
  }

  /** The replica index that replica_id reports; the Java backend runs one replica, 0. */
  public int replica() {
    return 0;
  }

  public int parallelism() {
    return pool.getParallelism();
  }

  /** A body over the half-open range [start, end). */
  @FunctionalInterface
  public interface RangeBody {
    void run(int start, int end);
  }

  /**
   * Runs {@code body} over [0, n) split into chunks of at least {@code grain} items, in parallel when there is more
   * than one chunk. Returns when all chunks are done; the first exception thrown by a chunk is rethrown.
   *
   * <p>The calling thread works too: it takes chunks from a shared counter while helpers from the pool (one fewer
   * than the parallelism) join in as they wake. Handing the whole loop to the pool instead cost two wake-ups in
   * sequence before the second thread ran, on every one of the hundred-odd loops of a training step. When the chunks
   * run out the caller waits (blocked, not spinning) only for helpers that started; a helper that had not started is
   * closed out and returns at once when it runs. Called from one of this pool's own threads (a loop inside a chunk),
   * the loop runs inline.
   */
  public void parallelFor(int n, int grain, RangeBody body) {
    if (n <= 0) {
      return;
    }
    int threads = pool.getParallelism();
    int chunks = (int) Math.min((long) threads * 4, Math.max(1, n / Math.max(1, grain)));
    if (chunks <= 1 || threads == 1 || (ForkJoinTask.inForkJoinPool() && ForkJoinTask.getPool() == pool)) {
      body.run(0, n);
      return;
    }
    AtomicInteger next = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Runnable chunksLoop = () -> {
      for (int c; (c = next.getAndIncrement()) < chunks && failure.get() == null; ) {
        try {
          body.run((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks));
        } catch (Throwable t) {
          failure.compareAndSet(null, t);
        }
      }
    };
    // Per helper: NEW until it starts (RUNNING) or the caller closes it out (CLOSED).
    AtomicIntegerArray state = new AtomicIntegerArray(threads - 1);
    List<ForkJoinTask<?>> helpers = new ArrayList<>(threads - 1);
    for (int h = 0; h < threads - 1; h++) {
      int id = h;
      helpers.add(pool.submit(() -> {
        if (state.compareAndSet(id, NEW, RUNNING)) chunksLoop.run();
      }));
    }
    chunksLoop.run();
    for (int h = 0; h < helpers.size(); h++) {
      if (!state.compareAndSet(h, NEW, CLOSED)) helpers.get(h).join();
    }
    Throwable t = failure.get();
    if (t instanceof RuntimeException e) throw e;
    if (t instanceof Error e) throw e;
  }

  private static final int NEW = 0, RUNNING = 1, CLOSED = 2;

  @Override
  public void close() {
    if (ownsPool) {
      pool.shutdown();
    }
  }
}
