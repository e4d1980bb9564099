package dev.kiln.tpu.pjrt;

import dev.kiln.core.TensorType;
import dev.kiln.core.backend.Device;
import dev.kiln.tpu.pjrt.PjrtC;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * A compiled, loaded executable. {@link #execute} runs one argument list per addressable device of the executable
 * (one per replica) and waits for completion; outputs stay on the devices.
 */
public final class PjrtExecutable implements AutoCloseable {
  private final PjrtClient client;
  private PjrtC.PJRT_LoadedExecutable handle;
  private final List<TensorType> outputTypes;
  private final List<Device> devices = new ArrayList<>();
  private final int numOutputs;
  private final java.lang.ref.Cleaner.Cleanable cleanable;

  PjrtExecutable(PjrtClient client, PjrtC.PJRT_LoadedExecutable handle, List<TensorType> outputTypes) {
    this.client = client;
    this.handle = handle;
    this.cleanable = client.onUnreachable(this, PjrtC.KILN_SLOT_LoadedExecutable_Destroy, handle.address(),
        "LoadedExecutable_Destroy");
    this.outputTypes = List.copyOf(outputTypes);
    Pjrt pjrt = client.pjrt();
    try (PointerScope scope = new PointerScope()) {
      numOutputs = withExecutable(exe -> {
        PjrtC.PJRT_Executable_NumOutputs_Args n = Pjrt.args(new PjrtC.PJRT_Executable_NumOutputs_Args());
        n.executable(exe);
        pjrt.call(PjrtC.KILN_SLOT_Executable_NumOutputs, n, "Executable_NumOutputs");
        return (int) n.num_outputs();
      });
      PjrtC.PJRT_LoadedExecutable_AddressableDevices_Args ad =
          Pjrt.args(new PjrtC.PJRT_LoadedExecutable_AddressableDevices_Args());
      ad.executable(handle);
      pjrt.call(PjrtC.KILN_SLOT_LoadedExecutable_AddressableDevices, ad, "LoadedExecutable_AddressableDevices");
      List<Device> all = client.devices();
      for (int i = 0; i < ad.num_addressable_devices(); i++) {
        long addr = ad.addressable_devices(i).address();
        Device match = null;
        for (Device d : all) if (client.deviceHandle(d).address() == addr) match = d;
        if (match == null) throw new PjrtException(13, "executable runs on a device the client does not list");
        devices.add(match);
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    if (numOutputs != outputTypes.size()) {
      close();
      throw new PjrtException(13, "executable has " + numOutputs + " outputs, the graph declares " + outputTypes.size());
    }
  }

  /** The devices the replicas run on, in argument-list order. */
  public List<Device> devices() {
    return List.copyOf(devices);
  }

  /**
   * Runs the executable. {@code args.get(r)} goes to {@code devices().get(r)}; the buffers at {@code donated}
   * indices are consumed. Returns each replica's outputs.
   */
  public List<List<PjrtBuffer>> execute(List<List<PjrtBuffer>> args, Set<Integer> donated) {
    return execute(args, donated, true);
  }

  /**
   * As above; with {@code wait} false it returns once the run is enqueued (no completion events are requested), and
   * the outputs' readiness is awaited when they are read. Inputs may be closed at once: the plugin keeps what an
   * enqueued run still uses.
   */
  public List<List<PjrtBuffer>> execute(List<List<PjrtBuffer>> args, Set<Integer> donated, boolean wait) {
    if (handle == null) throw new IllegalStateException("executable is closed");
    int nd = args.size();
    if (nd != devices.size()) {
      throw new IllegalArgumentException("executable runs on " + devices.size() + " devices; got " + nd + " argument lists");
    }
    int na = args.get(0).size();
    List<List<PjrtBuffer>> outs = new ArrayList<>();
    try (PointerScope scope = new PointerScope()) {
      PointerPointer<PointerPointer<?>> argLists = new PointerPointer<>(nd);
      PointerPointer<PointerPointer<?>> outLists = new PointerPointer<>(nd);
      List<PointerPointer<?>> outArrays = new ArrayList<>();
      for (int d = 0; d < nd; d++) {
        argLists.put(d, argumentList(d, args.get(d), na));
        PointerPointer<?> o = new PointerPointer<>(Math.max(1, numOutputs));
        outArrays.add(o);
        outLists.put(d, o);
      }
      PointerPointer<?> events = wait ? new PointerPointer<>(nd) : null;
      PjrtC.PJRT_ExecuteOptions opts = Pjrt.args(new PjrtC.PJRT_ExecuteOptions());
      PjrtC.PJRT_LoadedExecutable_Execute_Args e = Pjrt.args(new PjrtC.PJRT_LoadedExecutable_Execute_Args());
      e.executable(handle).options(opts).argument_lists(argLists).num_devices(nd).num_args(na)
          .output_lists(outLists).device_complete_events(events);
      client.pjrt().call(PjrtC.KILN_SLOT_LoadedExecutable_Execute, e, "LoadedExecutable_Execute");
      for (int d = 0; d < nd; d++) {
        for (int i : donated) args.get(d).get(i).markDonated();
        outs.add(outputs(d, outArrays.get(d)));
      }
      if (wait) awaitAll(events, outs);
    }
    return outs;
  }

  /** Replica {@code d}'s argument handles, each checked to be on that replica's device. */
  private PointerPointer<?> argumentList(int d, List<PjrtBuffer> list, int na) {
    if (list.size() != na) throw new IllegalArgumentException("replica " + d + " has " + list.size() + " arguments, not " + na);
    PointerPointer<?> a = new PointerPointer<>(Math.max(1, na));
    for (int i = 0; i < na; i++) {
      PjrtBuffer b = list.get(i);
      if (!b.device().equals(devices.get(d))) {
        throw new IllegalArgumentException("argument " + i + " of replica " + d + " is on " + b.device()
            + ", not " + devices.get(d));
      }
      a.put(i, b.handle());
    }
    return a;
  }

  /** Replica {@code d}'s output buffers, wrapped with their types. */
  private List<PjrtBuffer> outputs(int d, PointerPointer<?> o) {
    List<PjrtBuffer> r = new ArrayList<>(numOutputs);
    for (int i = 0; i < numOutputs; i++) {
      r.add(new PjrtBuffer(client, new PjrtC.PJRT_Buffer(o.get(i)), outputTypes.get(i), devices.get(d)));
    }
    return r;
  }

  /** Waits for every replica's run; on a failure closes every output and throws the first error. */
  private void awaitAll(PointerPointer<?> events, List<List<PjrtBuffer>> outs) {
    RuntimeException failure = null;
    for (int d = 0; d < outs.size(); d++) {
      try {
        client.pjrt().await(new PjrtC.PJRT_Event(events.get(d)), "execution on " + devices.get(d));
      } catch (RuntimeException ex) {
        if (failure == null) failure = ex;
      }
    }
    if (failure != null) {
      for (List<PjrtBuffer> r : outs) for (PjrtBuffer b : r) b.close();
      throw failure;
    }
  }

  /** The plugin's serialization of this executable, which {@link PjrtClient#deserialize} loads again. */
  public byte[] serialize() {
    if (handle == null) throw new IllegalStateException("executable is closed");
    try (PointerScope scope = new PointerScope()) {
      return withExecutable(exe -> AotExecutable.serialize(client.pjrt(), exe));
    }
  }

  /** Calls {@code use} with this loaded executable's PJRT_Executable, destroyed afterwards. */
  private <T> T withExecutable(java.util.function.Function<PjrtC.PJRT_Executable, T> use) {
    Pjrt pjrt = client.pjrt();
    PjrtC.PJRT_LoadedExecutable_GetExecutable_Args g = Pjrt.args(new PjrtC.PJRT_LoadedExecutable_GetExecutable_Args());
    g.loaded_executable(handle);
    pjrt.call(PjrtC.KILN_SLOT_LoadedExecutable_GetExecutable, g, "LoadedExecutable_GetExecutable");
    PjrtC.PJRT_Executable exe = new PjrtC.PJRT_Executable(g.executable());
    try {
      return use.apply(exe);
    } finally {
      PjrtC.PJRT_Executable_Destroy_Args d = Pjrt.args(new PjrtC.PJRT_Executable_Destroy_Args());
      d.executable(exe);
      pjrt.call(PjrtC.KILN_SLOT_Executable_Destroy, d, "Executable_Destroy");
    }
  }

  @Override
  public void close() {
    if (handle == null) return;
    handle = null;
    cleanable.clean();
  }
}
