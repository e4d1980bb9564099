package dev.kiln.core.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * What the Java backend's kernels run on: helper threads and a loop that splits a range of work into chunks.
 * Kernels call {@link #parallelFor} for loops big enough to pay for a fork; small loops run inline.
 *
 * <p>The helpers are this context's own threads, not a fork-join pool's: after a loop a helper keeps watching for the
 * next one for {@link #SPIN_NANOS} before it parks, because a training step runs some sixty loops with short serial
 * ops in between and waking a parked thread costs more than such an op (docs/benchmarks.md).
 */
public final class CpuContext implements AutoCloseable {
  /** How long an idle helper watches for the next loop before parking. */
  static final long SPIN_NANOS = 200_000;
  /** The context whose loop the current thread is running chunks of, if any: a loop inside a chunk runs inline. */
  private static final ThreadLocal<CpuContext> RUNNING = new ThreadLocal<>();

  private final int threads;
  private final Helper[] helpers;
  /** One loop at a time is shared with the helpers; a second caller meanwhile runs its loop inline. */
  private final AtomicBoolean busy = new AtomicBoolean();
  /** The latest loop; helpers compare its number with the last one they saw. */
  private volatile Loop current;
  private volatile boolean closed;

  /** A context with {@code threads} threads in all: the caller of a loop and threads − 1 helpers. */
  public CpuContext(int threads) {
    this.threads = Math.max(1, threads);
    helpers = new Helper[this.threads - 1];
    for (int h = 0; h < helpers.length; h++) {
      helpers[h] = new Helper();
      Thread t = Thread.ofPlatform().daemon().name("kiln-cpu-" + h).unstarted(helpers[h]);
      helpers[h].thread = t;
      t.start();
    }
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
    return threads;
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
   * <p>The calling thread works too: it takes chunks from a shared counter while the helpers join in as they see the
   * loop. When the chunks run out the caller closes the loop to helpers that have not joined yet and waits for those
   * that did. A loop inside a chunk, or a second thread's loop while one runs, runs inline.
   */
  public void parallelFor(int n, int grain, RangeBody body) {
    if (n <= 0) {
      return;
    }
    int chunks = (int) Math.min((long) threads * 4, Math.max(1, n / Math.max(1, grain)));
    if (chunks <= 1 || threads == 1 || RUNNING.get() == this || !busy.compareAndSet(false, true)) {
      body.run(0, n);
      return;
    }
    try {
      Loop loop = new Loop(current == null ? 1 : current.number + 1, n, chunks, body);
      current = loop;
      for (Helper h : helpers) {
        if (h.parked) LockSupport.unpark(h.thread);
      }
      loop.runChunks(this);
      loop.closeAndAwait();
      Throwable t = loop.failure.get();
      if (t instanceof RuntimeException e) throw e;
      if (t instanceof Error e) throw e;
    } finally {
      busy.set(false);
    }
  }

  @Override
  public void close() {
    closed = true;
    for (Helper h : helpers) LockSupport.unpark(h.thread);
  }

  /** One parallel loop: its chunks, handed out by a counter, and the helpers inside it. */
  private static final class Loop {
    final long number;
    final int n, chunks;
    final RangeBody body;
    final AtomicInteger next = new AtomicInteger();
    /** Helpers running chunks, plus CLOSED once the caller has taken the last chunk. */
    final AtomicInteger inside = new AtomicInteger();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    static final int CLOSED = 1 << 30;

    Loop(long number, int n, int chunks, RangeBody body) {
      this.number = number;
      this.n = n;
      this.chunks = chunks;
      this.body = body;
    }

    void runChunks(CpuContext ctx) {
      RUNNING.set(ctx);
      try {
        for (int c; (c = next.getAndIncrement()) < chunks && failure.get() == null; ) {
          try {
            body.run((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks));
          } catch (Throwable t) {
            failure.compareAndSet(null, t);
          }
        }
      } finally {
        RUNNING.remove();
      }
    }

    /** A helper's entry: false once the loop is closed. */
    boolean enter() {
      for (int v; ((v = inside.get()) & CLOSED) == 0; ) {
        if (inside.compareAndSet(v, v + 1)) return true;
      }
      return false;
    }

    void leave() {
      inside.decrementAndGet();
    }

    /** Closes the loop to late helpers and waits for the ones inside (each is finishing its last chunk). */
    void closeAndAwait() {
      inside.getAndAdd(CLOSED);
      while (inside.get() != CLOSED) Thread.onSpinWait();
    }
  }

  /** A helper thread: runs the chunks of each new loop it sees, watching for the next one, then parks. */
  private final class Helper implements Runnable {
    Thread thread;
    volatile boolean parked;

    @Override
    public void run() {
      long seen = 0;
      while (!closed) {
        Loop loop = current;
        if (loop != null && loop.number != seen) {
          seen = loop.number;
          if (loop.enter()) {
            loop.runChunks(CpuContext.this);
            loop.leave();
          }
          continue;
        }
        long idleSince = System.nanoTime();
        while (!closed && ((loop = current) == null || loop.number == seen)
            && System.nanoTime() - idleSince < SPIN_NANOS) {
          Thread.onSpinWait();
        }
        if (closed || (loop != null && loop.number != seen)) continue;
        parked = true;
        loop = current;
        if (!closed && (loop == null || loop.number == seen)) LockSupport.park(this);
        parked = false;
      }
    }
  }
}
