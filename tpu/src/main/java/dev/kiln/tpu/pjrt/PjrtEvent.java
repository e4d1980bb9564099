package dev.kiln.tpu.pjrt;

import dev.kiln.tpu.pjrt.PjrtC;
import org.bytedeco.javacpp.PointerScope;

/**
 * A PJRT event (transfer or execution completion). {@link #await} blocks until it fires and rethrows its error;
 * {@link #close} destroys it. A null event stands for one that has already fired.
 */
public final class PjrtEvent implements AutoCloseable {
  private final Pjrt pjrt;
  private PjrtC.PJRT_Event handle;
  private final String what;

  PjrtEvent(Pjrt pjrt, PjrtC.PJRT_Event handle, String what) {
    this.pjrt = pjrt;
    this.handle = handle == null || handle.isNull() ? null : handle;
    this.what = what;
  }

  /** Waits for the event; throws a PjrtException carrying the event's error. */
  public void await() {
    if (handle == null) return;
    try (PointerScope scope = new PointerScope()) {
      PjrtC.PJRT_Event_Args a = Pjrt.args(new PjrtC.PJRT_Event_Args());
      a.event(handle);
      pjrt.check(PjrtC.kiln_call(pjrt.api(), PjrtC.KILN_SLOT_Event_Await, a), what);
    }
  }

  /** Whether the event has fired (without waiting); a fired event's error is thrown by {@link #await}. */
  public boolean isReady() {
    if (handle == null) return true;
    try (PointerScope scope = new PointerScope()) {
      PjrtC.PJRT_Event_IsReady_Args a = Pjrt.args(new PjrtC.PJRT_Event_IsReady_Args());
      a.event(handle);
      pjrt.call(PjrtC.KILN_SLOT_Event_IsReady, a, "Event_IsReady (" + what + ")");
      return a.is_ready();
    }
  }

  @Override
  public void close() {
    if (handle == null) return;
    try (PointerScope scope = new PointerScope()) {
      PjrtC.PJRT_Event_Args d = Pjrt.args(new PjrtC.PJRT_Event_Args());
      d.event(handle);
      pjrt.call(PjrtC.KILN_SLOT_Event_Destroy, d, "Event_Destroy (" + what + ")");
    } finally {
      handle = null;
    }
  }
}
