package dev.kiln.core.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

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
   */
  public void parallelFor(int n, int grain, RangeBody body) {
    if (n <= 0) {
      return;
    }
    int threads = pool.getParallelism();
    int chunks = (int) Math.min((long) threads * 4, Math.max(1, n / Math.max(1, grain)));
    if (chunks <= 1 || threads == 1) {
      body.run(0, n);
      return;
    }
    List<RecursiveAction> tasks = new ArrayList<>(chunks);
    for (int c = 0; c < chunks; c++) {
      int s = (int) ((long) n * c / chunks);
      int e = (int) ((long) n * (c + 1) / chunks);
      tasks.add(new RecursiveAction() {
        @Override
        protected void compute() {
          body.run(s, e);
        }
      });
    }
    if (ForkJoinTask.inForkJoinPool() && ForkJoinTask.getPool() == pool) {
      ForkJoinTask.invokeAll(tasks);
    } else {
      pool.submit(() -> ForkJoinTask.invokeAll(tasks)).join();
    }
  }

  @Override
  public void close() {
    if (ownsPool) {
      pool.shutdown();
    }
  }
}
