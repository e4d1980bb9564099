package dev.kiln.tpu.pjrt;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.backend.Backend;
import dev.kiln.core.backend.Device;
import dev.kiln.core.backend.HostHold;
import dev.kiln.tpu.pjrt.PjrtC;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * A PJRT client: the plugin's view of its devices, the compiler and host↔device transfers. Owns the native client
 * handle; {@link #close} destroys it (buffers and executables it made must be closed first).
 */
public final class PjrtClient implements AutoCloseable {
  private final PjrtPlugin plugin;
  private final Pjrt pjrt;
  private PjrtC.PJRT_Client client;
  private final String platform;
  /** PJRT_HostBufferSemantics values (pjrt_c_api.h). */
  private static final int IMMUTABLE_ONLY_DURING_CALL = 0, IMMUTABLE_UNTIL_TRANSFER_COMPLETES = 1,
      IMMUTABLE_ZERO_COPY = 2;
  /** The CPU plugin uses host memory in place only at this alignment (XLA's buffer alignment); else it copies. */
  static final int ZERO_COPY_ALIGNMENT = 64;
  private final PjrtHostHolds holds = new PjrtHostHolds();
  private final List<PjrtC.PJRT_Device> handles = new ArrayList<>();
  private final List<Device> devices = new ArrayList<>();
  /** False once the client is destroyed: cleaners of its buffers and executables must not touch it then. */
  private final java.util.concurrent.atomic.AtomicBoolean alive = new java.util.concurrent.atomic.AtomicBoolean(true);

  /** Creates a client with plugin-specific options (e.g. {@code cpu_device_count} for the CPU plugin). */
  public PjrtClient(PjrtPlugin plugin, Map<String, Object> options) {
    this.plugin = plugin;
    this.pjrt = plugin.pjrt();
    try (PointerScope scope = new PointerScope()) {
      List<Object> keep = new ArrayList<>();
      PjrtC.PJRT_Client_Create_Args a = Pjrt.args(new PjrtC.PJRT_Client_Create_Args());
      if (!options.isEmpty()) {
        a.create_options(PjrtPlugin.NamedValues.write(options, keep));
        a.num_options(options.size());
      }
      pjrt.call(PjrtC.KILN_SLOT_Client_Create, a, "Client_Create");
      client = new PjrtC.PJRT_Client(a.client());
    }
    try (PointerScope scope = new PointerScope()) {
      PjrtC.PJRT_Client_PlatformName_Args p = Pjrt.args(new PjrtC.PJRT_Client_PlatformName_Args());
      p.client(client);
      pjrt.call(PjrtC.KILN_SLOT_Client_PlatformName, p, "Client_PlatformName");
      platform = Pjrt.string(p.platform_name(), p.platform_name_size());
      PjrtC.PJRT_Client_AddressableDevices_Args d = Pjrt.args(new PjrtC.PJRT_Client_AddressableDevices_Args());
      d.client(client);
      pjrt.call(PjrtC.KILN_SLOT_Client_AddressableDevices, d, "Client_AddressableDevices");
      for (int i = 0; i < d.num_addressable_devices(); i++) {
        PjrtC.PJRT_Device dev = new PjrtC.PJRT_Device(d.addressable_devices(i));
        handles.add(dev);
        devices.add(describe(dev));
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private Device describe(PjrtC.PJRT_Device dev) {
    PjrtC.PJRT_Device_GetDescription_Args g = Pjrt.args(new PjrtC.PJRT_Device_GetDescription_Args());
    g.device(dev);
    pjrt.call(PjrtC.KILN_SLOT_Device_GetDescription, g, "Device_GetDescription");
    PjrtC.PJRT_DeviceDescription_Id_Args id = Pjrt.args(new PjrtC.PJRT_DeviceDescription_Id_Args());
    id.device_description(g.device_description());
    pjrt.call(PjrtC.KILN_SLOT_DeviceDescription_Id, id, "DeviceDescription_Id");
    PjrtC.PJRT_DeviceDescription_Kind_Args k = Pjrt.args(new PjrtC.PJRT_DeviceDescription_Kind_Args());
    k.device_description(g.device_description());
    pjrt.call(PjrtC.KILN_SLOT_DeviceDescription_Kind, k, "DeviceDescription_Kind");
    return new Device(id.id(), Pjrt.string(k.device_kind(), k.device_kind_size()));
  }

  /**
   * Registers destroy-on-unreachable for one of this client's objects (slot: its destroy function); the returned
   * Cleanable is what the owner's close() runs, so the object is destroyed exactly once either way.
   */
  java.lang.ref.Cleaner.Cleanable onUnreachable(Object owner, int destroySlot, long address, String what) {
    java.util.concurrent.atomic.AtomicBoolean clientAlive = alive;
    Pjrt p = pjrt;
    return Pjrt.CLEANER.register(owner, () -> {
      if (clientAlive.get()) p.destroy(destroySlot, address, what);
    });
  }

  public PjrtPlugin plugin() {
    return plugin;
  }

  Pjrt pjrt() {
    return pjrt;
  }

  PjrtC.PJRT_Client handle() {
    if (client == null) throw new IllegalStateException("PJRT client is closed");
    return client;
  }

  /** The platform name the plugin reports: "cpu", "cuda", "tpu". */
  public String platformName() {
    return platform;
  }

  /** Addressable devices, in the plugin's order (replica r runs on device r). */
  public List<Device> devices() {
    return List.copyOf(devices);
  }

  /**
   * Free device memory in bytes (bytes_limit − bytes_in_use from PJRT_Device_MemoryStats), or empty when the plugin
   * does not report a limit (the CPU plugin, whose memory is the host's).
   */
  public java.util.OptionalLong freeMemory(Device d) {
    if (!PjrtC.kiln_has_slot(pjrt.api(), PjrtC.KILN_SLOT_Device_MemoryStats)) return java.util.OptionalLong.empty();
    try (org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope()) {
      var a = Pjrt.args(new PjrtC.PJRT_Device_MemoryStats_Args());
      a.device(deviceHandle(d));
      pjrt.call(PjrtC.KILN_SLOT_Device_MemoryStats, a, "Device_MemoryStats");
      return a.bytes_limit_is_set() ? java.util.OptionalLong.of(Math.max(0, a.bytes_limit() - a.bytes_in_use()))
          : java.util.OptionalLong.empty();
    } catch (PjrtException e) {
      return java.util.OptionalLong.empty(); // unimplemented by this plugin
    }
  }

  PjrtC.PJRT_Device deviceHandle(Device d) {
    int i = devices.indexOf(d);
    if (i < 0) throw new IllegalArgumentException("device " + d + " is not addressable by this client");
    return handles.get(i);
  }

  /** Compiles a StableHLO module (MLIR text) with serialized CompileOptionsProto bytes. */
  public PjrtExecutable compile(String mlir, byte[] compileOptions, List<TensorType> outputTypes) {
    try (PointerScope scope = new PointerScope()) {
      BytePointer code = new BytePointer(mlir.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      BytePointer format = new BytePointer("mlir");
      PjrtC.PJRT_Program prog = Pjrt.args(new PjrtC.PJRT_Program());
      prog.code(code).code_size(code.capacity()).format(format).format_size(4);
      BytePointer opts = new BytePointer(compileOptions);
      PjrtC.PJRT_Client_Compile_Args a = Pjrt.args(new PjrtC.PJRT_Client_Compile_Args());
      a.client(handle()).program(prog).compile_options(opts).compile_options_size(compileOptions.length);
      pjrt.call(PjrtC.KILN_SLOT_Client_Compile, a, "Client_Compile");
      PjrtC.PJRT_LoadedExecutable exe = new PjrtC.PJRT_LoadedExecutable(a.executable());
      return new PjrtExecutable(this, exe, outputTypes);
    }
  }

  /**
   * Loads an executable serialized by this plugin ({@code PJRT_Executable_DeserializeAndLoad}), compiled for this
   * client's devices or for a topology of the same kind; skips compiling.
   */
  public PjrtExecutable deserialize(byte[] serialized, List<TensorType> outputTypes) {
    try (PointerScope scope = new PointerScope()) {
      BytePointer bytes = new BytePointer(serialized);
      var a = Pjrt.args(new PjrtC.PJRT_Executable_DeserializeAndLoad_Args());
      a.client(handle()).serialized_executable(bytes).serialized_executable_size(serialized.length);
      pjrt.call(PjrtC.KILN_SLOT_Executable_DeserializeAndLoad, a, "Executable_DeserializeAndLoad");
      return new PjrtExecutable(this, new PjrtC.PJRT_LoadedExecutable(a.loaded_executable()), outputTypes);
    }
  }

  static int bufferType(DType d) {
    return switch (d) {
      case PRED -> 1;
      case S32 -> 4;
      case U32 -> 8;
      case F32 -> 11;
      case F64 -> 12;
    };
  }

  /**
   * Calls PJRT_Client_BufferFromHostBuffer for {@code t}'s bytes at {@code data} with the given host-buffer semantics;
   * the arguments (in the caller's pointer scope) hold the new buffer and its done-with-host-buffer event.
   */
  private PjrtC.PJRT_Client_BufferFromHostBuffer_Args fromHostBuffer(Tensor t, BytePointer data, int semantics,
      Device device) {
    long[] dims = new long[t.shape().rank()];
    for (int i = 0; i < dims.length; i++) dims[i] = t.shape().dim(i);
    LongPointer dp = new LongPointer(Math.max(1, dims.length));
    if (dims.length > 0) dp.put(dims);
    PjrtC.PJRT_Client_BufferFromHostBuffer_Args a = Pjrt.args(new PjrtC.PJRT_Client_BufferFromHostBuffer_Args());
    a.client(handle()).data(data).type(bufferType(t.dtype())).dims(dp).num_dims(dims.length)
        .host_buffer_semantics(semantics).device(deviceHandle(device));
    pjrt.call(PjrtC.KILN_SLOT_Client_BufferFromHostBuffer, a, "Client_BufferFromHostBuffer");
    return a;
  }

  /** Copies a host tensor to a device. */
  public PjrtBuffer toDevice(Tensor t, Device device) {
    try (PointerScope scope = new PointerScope()) {
      ByteBuffer bytes = t.toByteBuffer();
      BytePointer data = bytes.isDirect() ? new BytePointer(bytes) : new BytePointer(bytes.remaining());
      if (!bytes.isDirect()) {
        byte[] b = new byte[bytes.remaining()];
        bytes.duplicate().get(b);
        data.put(b);
      }
      PjrtC.PJRT_Client_BufferFromHostBuffer_Args a = fromHostBuffer(t, data, IMMUTABLE_ONLY_DURING_CALL, device);
      PjrtC.PJRT_Buffer buf = new PjrtC.PJRT_Buffer(a.buffer());
      PjrtBuffer result = new PjrtBuffer(this, buf, t.type(), device);
      try {
        pjrt.await(a.done_with_host_buffer(), "host-to-device transfer");
      } catch (RuntimeException e) {
        result.close();
        throw e;
      }
      return result;
    }
  }

  /**
   * Starts copying a host tensor to a device without waiting for the host memory to be read (see
   * {@link dev.kiln.core.backend.Backend#putAsync}). On the CPU plugin an aligned direct buffer is used in place
   * (zero copy: the device buffer is the host memory); elsewhere the transfer runs while the caller goes on. The
   * hold fires when the plugin is done with the memory. A heap-backed or unaligned tensor is copied now, as
   * {@link #toDevice}, with no hold.
   */
  public Backend.Placed toDeviceAsync(Tensor t, Device device) {
    ByteBuffer bytes = t.toByteBuffer();
    boolean cpu = "cpu".equals(platform);
    // (A JavaCPP pointer over a buffer keeps the buffer's position apart from its address.)
    BytePointer at = bytes.isDirect() ? new BytePointer(bytes) : null;
    long address = at == null ? 0 : at.address() + at.position();
    if (!bytes.isDirect() || (cpu && address % ZERO_COPY_ALIGNMENT != 0)) {
      return new Backend.Placed(toDevice(t, device), HostHold.NONE);
    }
    try (PointerScope scope = new PointerScope()) {
      PjrtC.PJRT_Client_BufferFromHostBuffer_Args a = fromHostBuffer(t, new BytePointer(bytes),
          cpu ? IMMUTABLE_ZERO_COPY : IMMUTABLE_UNTIL_TRANSFER_COMPLETES, device);
      PjrtBuffer result = new PjrtBuffer(this, new PjrtC.PJRT_Buffer(a.buffer()), t.type(), device);
      PjrtEvent done = new PjrtEvent(pjrt, new PjrtC.PJRT_Event(a.done_with_host_buffer()), "host-to-device transfer");
      return new Backend.Placed(result, holds.add(bytes, done));
    }
  }

  @Override
  public void close() {
    if (client == null) return;
    holds.drain(10_000);
    alive.set(false);
    try (PointerScope scope = new PointerScope()) {
      PjrtC.PJRT_Client_Destroy_Args d = Pjrt.args(new PjrtC.PJRT_Client_Destroy_Args());
      d.client(client);
      pjrt.call(PjrtC.KILN_SLOT_Client_Destroy, d, "Client_Destroy");
    } finally {
      client = null;
    }
  }
}
