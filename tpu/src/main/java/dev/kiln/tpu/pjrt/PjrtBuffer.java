package dev.kiln.tpu.pjrt;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.backend.Device;
import dev.kiln.core.backend.DeviceArray;
import dev.kiln.tpu.pjrt.PjrtC;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * A device buffer owned by Kiln. Closing it calls Buffer_Destroy. After a run that donated it, the plugin has
 * taken its memory: it reports deleted, and closing only frees the handle.
 */
public final class PjrtBuffer implements DeviceArray {
  private final PjrtClient client;
  private PjrtC.PJRT_Buffer handle;
  private final TensorType type;
  private final Device device;
  private boolean donated;
  private final java.lang.ref.Cleaner.Cleanable cleanable;

  PjrtBuffer(PjrtClient client, PjrtC.PJRT_Buffer handle, TensorType type, Device device) {
    this.client = client;
    this.handle = handle;
    this.type = type;
    this.device = device;
    this.cleanable = client.onUnreachable(this, PjrtC.KILN_SLOT_Buffer_Destroy, handle.address(), "Buffer_Destroy");
  }

  PjrtC.PJRT_Buffer handle() {
    if (handle == null || donated) {
      throw new IllegalStateException("buffer " + type + " was closed or donated to a previous run");
    }
    return handle;
  }

  void markDonated() {
    donated = true;
  }

  @Override public TensorType type() { return type; }
  @Override public Device device() { return device; }
  @Override public boolean isDeleted() { return handle == null || donated; }

  /** The dimensions as the plugin reports them (Buffer_Dimensions). */
  public long[] deviceDimensions() {
    try (PointerScope scope = new PointerScope()) {
      PjrtC.PJRT_Buffer_Dimensions_Args a = Pjrt.args(new PjrtC.PJRT_Buffer_Dimensions_Args());
      a.buffer(handle());
      client.pjrt().call(PjrtC.KILN_SLOT_Buffer_Dimensions, a, "Buffer_Dimensions");
      long[] d = new long[(int) a.num_dims()];
      if (d.length > 0) a.dims().get(d);
      return d;
    }
  }

  /** The element type as the plugin reports it (Buffer_ElementType), as a Kiln dtype. */
  public DType deviceType() {
    try (PointerScope scope = new PointerScope()) {
      PjrtC.PJRT_Buffer_ElementType_Args a = Pjrt.args(new PjrtC.PJRT_Buffer_ElementType_Args());
      a.buffer(handle());
      client.pjrt().call(PjrtC.KILN_SLOT_Buffer_ElementType, a, "Buffer_ElementType");
      for (DType d : DType.values()) if (PjrtClient.bufferType(d) == a.type()) return d;
      throw new PjrtException(12, "buffer element type " + a.type() + " is not one Kiln uses");
    }
  }

  /** Copies the buffer to the host (blocking until the transfer completes). */
  public Tensor toHost() {
    PjrtC.PJRT_Buffer h = handle();
    long bytes = type.shape().longSize() * type.dtype().byteSize();
    ByteBuffer out = ByteBuffer.allocateDirect((int) Math.max(1, bytes)).order(ByteOrder.LITTLE_ENDIAN);
    try (PointerScope scope = new PointerScope()) {
      PjrtC.PJRT_Buffer_ToHostBuffer_Args a = Pjrt.args(new PjrtC.PJRT_Buffer_ToHostBuffer_Args());
      a.src(h).dst(new BytePointer(out)).dst_size(bytes);
      client.pjrt().call(PjrtC.KILN_SLOT_Buffer_ToHostBuffer, a, "Buffer_ToHostBuffer");
      client.pjrt().await(a.event(), "device-to-host transfer");
    }
    out.limit((int) bytes);
    Tensor view = Tensor.wrap(type.dtype(), type.shape(), out);
    // Decode into a heap array so the tensor does not pin direct memory.
    return Tensor.wrap(type.dtype(), type.shape(), copy(view));
  }

  private static Object copy(Tensor t) {
    Object a = t.array();
    return t.dtype() == DType.PRED ? ((boolean[]) a).clone() : a;
  }

  @Override
  public void close() {
    if (handle == null) return;
    handle = null;
    cleanable.clean();
  }
}
