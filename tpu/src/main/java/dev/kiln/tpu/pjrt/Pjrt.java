package dev.kiln.tpu.pjrt;

import dev.kiln.tpu.pjrt.PjrtC;
import dev.kiln.tpu.pjrt.PjrtC.PJRT_Api;
import dev.kiln.tpu.pjrt.PjrtC.PJRT_Error;
import dev.kiln.tpu.pjrt.PjrtC.PJRT_Event;
import java.nio.charset.StandardCharsets;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * Calls into one plugin's API table: checks that a slot exists, calls it with its args struct, and turns a
 * returned PJRT_Error into a {@link PjrtException} (reading its code and message, then destroying it), so no
 * error object leaks and no failure passes silently.
 */
public final class Pjrt {
  /**
   * The safety net behind {@code close()}: a handle whose owner became unreachable without being closed is destroyed
   * by this cleaner (errors there are dropped, as there is no caller left to tell).
   */
  static final java.lang.ref.Cleaner CLEANER = java.lang.ref.Cleaner.create();

  private final PJRT_Api api;
  private final String plugin;

  Pjrt(PJRT_Api api, String plugin) {
    this.api = api;
    this.plugin = plugin;
  }

  PJRT_Api api() {
    return api;
  }

  /** A zeroed args struct of the given peer class with struct_size set to the size Kiln declares. */
  public static <T extends Pointer> T args(T p) {
    Pointer.memset(p, 0, Loader.sizeof(p.getClass()));
    // Every args struct begins with size_t struct_size.
    new org.bytedeco.javacpp.SizeTPointer(p).put(0, Loader.sizeof(p.getClass()));
    return p;
  }

  /** Calls {@code slot} with {@code args}; throws a PjrtException naming {@code what} on error. */
  public void call(int slot, Pointer args, String what) {
    if (!PjrtC.kiln_has_slot(api, slot)) {
      throw new PjrtException(12, plugin + ": the plugin's API table has no slot " + slot + " (" + what + ")");
    }
    PJRT_Error err = PjrtC.kiln_call(api, slot, args);
    check(err, what);
  }

  /** Throws for a non-null error, after reading and destroying it. */
  public void check(PJRT_Error err, String what) {
    if (err == null || err.isNull()) {
      return;
    }
    String message;
    int code;
    try (PointerScope scope = new PointerScope()) {
      PjrtC.PJRT_Error_Message_Args m = args(new PjrtC.PJRT_Error_Message_Args());
      m.error(err);
      PjrtC.kiln_call_void(api, PjrtC.KILN_SLOT_Error_Message, m);
      BytePointer msg = m.message();
      message = msg == null || msg.isNull() ? "(no message)" : string(msg, m.message_size());
      PjrtC.PJRT_Error_GetCode_Args c = args(new PjrtC.PJRT_Error_GetCode_Args());
      c.error(err);
      PJRT_Error e2 = PjrtC.kiln_call(api, PjrtC.KILN_SLOT_Error_GetCode, c);
      code = e2 == null || e2.isNull() ? c.code() : 2;
      PjrtC.PJRT_Error_Destroy_Args d = args(new PjrtC.PJRT_Error_Destroy_Args());
      d.error(err);
      PjrtC.kiln_call_void(api, PjrtC.KILN_SLOT_Error_Destroy, d);
    }
    throw new PjrtException(code, plugin + ": " + what + " failed: " + message);
  }

  /** Waits for an event, destroys it, and throws if it carried an error. Null events are already complete. */
  public void await(PJRT_Event event, String what) {
    try (PjrtEvent e = new PjrtEvent(this, event, what)) {
      e.await();
    }
  }

  /** A pointer to a native address (for destroying a handle known only by its address). */
  static Pointer at(long addr) {
    // (Named addr: inside the subclass, "address" would be Pointer's own field.)
    return new Pointer() {
      {
        this.address = addr;
      }
    };
  }

  /**
   * Destroys the object at {@code address} with a destroy function whose args struct is {@code struct_size,
   * extension_start, handle} (Buffer_Destroy, LoadedExecutable_Destroy, Client_Destroy).
   */
  public void destroy(int slot, long address, String what) {
    try (PointerScope scope = new PointerScope()) {
      PjrtC.PJRT_Buffer_Destroy_Args d = args(new PjrtC.PJRT_Buffer_Destroy_Args());
      d.buffer(new PjrtC.PJRT_Buffer(at(address)));
      call(slot, d, what);
    }
  }

  public static String string(BytePointer p, long size) {
    byte[] b = new byte[(int) size];
    p.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }
}
