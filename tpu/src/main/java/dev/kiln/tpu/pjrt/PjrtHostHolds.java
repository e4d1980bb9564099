package dev.kiln.tpu.pjrt;

import dev.kiln.core.backend.HostHold;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The host buffers a PJRT client's asynchronous transfers still use, each with its done-with-host-buffer event. The
 * client keeps every one reachable here until its event fires, so the memory a device reads can never be collected
 * under it, whatever the caller does with its hold; fired holds are reaped at each new transfer, and the client
 * drains them before it is destroyed.
 */
final class PjrtHostHolds {
  private final List<Hold> pending = new ArrayList<>();

  /** A hold on {@code memory} until {@code event} fires. */
  synchronized HostHold add(ByteBuffer memory, PjrtEvent event) {
    reap();
    Hold h = new Hold(memory, event);
    pending.add(h);
    return h;
  }

  /** Drops the holds whose events have fired. */
  synchronized void reap() {
    for (Iterator<Hold> it = pending.iterator(); it.hasNext(); ) {
      if (it.next().done()) it.remove();
    }
  }

  /**
   * Before the client goes: waits up to {@code timeoutMillis} for the pending holds to fire (steps still in flight
   * finish and release their inputs). A hold still pending then belongs to a buffer nobody closed; its memory is kept
   * reachable for the life of the process rather than freed under the plugin.
   */
  synchronized void drain(long timeoutMillis) {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
    while (true) {
      reap();
      if (pending.isEmpty()) return;
      if (System.nanoTime() > deadline) break;
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    synchronized (ABANDONED) {
      ABANDONED.addAll(pending);
    }
    pending.clear();
  }

  /** Holds whose buffers outlived their client: never collected. */
  private static final List<Hold> ABANDONED = new ArrayList<>();

  private static final class Hold implements HostHold {
    @SuppressWarnings("unused") // kept reachable until the event fires: the device reads this memory
    private ByteBuffer memory;
    private PjrtEvent event;
    private RuntimeException error;

    Hold(ByteBuffer memory, PjrtEvent event) {
      this.memory = memory;
      this.event = event;
    }

    @Override
    public synchronized boolean done() {
      if (event != null && event.isReady()) finish();
      return event == null;
    }

    @Override
    public synchronized void await() {
      if (event != null) finish();
      if (error != null) throw error;
    }

    private void finish() {
      try {
        event.await();
      } catch (RuntimeException e) {
        error = e;
      } finally {
        event.close();
        event = null;
        memory = null;
      }
    }
  }
}
