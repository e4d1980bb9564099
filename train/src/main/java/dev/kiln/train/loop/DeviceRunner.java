package dev.kiln.train.loop;

import dev.kiln.core.Tensor;
import dev.kiln.core.backend.Backend;
import dev.kiln.core.backend.Device;
import dev.kiln.core.backend.DeviceArray;
import dev.kiln.core.backend.Executable;
import dev.kiln.ops.train.StatefulStep;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Named arrays held on the devices, one copy per replica, and the steps that update them. A step runs from a map of
 * named feeds to its named results: its state and resident inputs are found here by name, its state outputs replace
 * them (the donated inputs are consumed in place), and the results are handed back, still on the devices. Runs are
 * enqueued without waiting; reading a result or a state entry waits for what produced it.
 */
public final class DeviceRunner implements AutoCloseable {
  private final Backend backend;
  private final List<Device> devices;
  private final Map<String, List<DeviceArray>> resident = new LinkedHashMap<>();
  private final Map<StatefulStep, Executable> compiled = new IdentityHashMap<>();

  public DeviceRunner(Backend backend, int replicas) {
    if (replicas > backend.devices().size()) {
      throw new IllegalArgumentException(replicas + " replicas need " + replicas + " devices; " + backend.name()
          + " has " + backend.devices().size());
    }
    this.backend = backend;
    this.devices = backend.devices().subList(0, replicas);
  }

  public Backend backend() {
    return backend;
  }

  public int replicas() {
    return devices.size();
  }

  /** Compiles {@code step} for this runner's replicas (once per step). */
  public void compile(StatefulStep step) {
    if (step.replicas() != replicas()) {
      throw new IllegalArgumentException("step built for " + step.replicas() + " replicas, runner has " + replicas());
    }
    compiled.computeIfAbsent(step, s -> backend.compile(s.graph(), s.options()));
  }

  /** Puts each host value on every replica's device under its name, replacing (and freeing) what was there. */
  public void put(Map<String, Tensor> values) {
    for (var e : values.entrySet()) {
      List<DeviceArray> old = resident.put(e.getKey(), onEveryDevice(e.getValue()));
      if (old != null) old.forEach(DeviceArray::close);
    }
  }

  /** A host value copied to every replica's device, owned by the caller (for feeds that stay resident). */
  public List<DeviceArray> onEveryDevice(Tensor t) {
    List<DeviceArray> l = new ArrayList<>(devices.size());
    for (Device d : devices) l.add(backend.put(t, d));
    return l;
  }

  /** One host value per replica, each copied to its replica's device, owned by the caller. */
  public List<DeviceArray> scatter(List<Tensor> perReplica) {
    List<DeviceArray> l = new ArrayList<>(devices.size());
    for (int r = 0; r < devices.size(); r++) l.add(backend.put(perReplica.get(r), devices.get(r)));
    return l;
  }

  /**
   * One host value per replica, each placed on its replica's device without waiting for the host memory to be read
   * ({@link Backend#putAsync}); the holds on the host memory are added to {@code holds}. Arrays owned by the caller.
   */
  public List<DeviceArray> scatterAsync(List<Tensor> perReplica, List<dev.kiln.core.backend.HostHold> holds) {
    List<DeviceArray> l = new ArrayList<>(devices.size());
    for (int r = 0; r < devices.size(); r++) {
      Backend.Placed p = backend.putAsync(perReplica.get(r), devices.get(r));
      l.add(p.array());
      holds.add(p.hold());
    }
    return l;
  }

  /** Reads named entries from replica 0 (every replica holds the same values), waiting for pending runs. */
  public Map<String, Tensor> read(List<String> names) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (String n : names) {
      List<DeviceArray> a = resident.get(n);
      if (a == null) throw new IllegalArgumentException("no array named '" + n + "' on the devices");
      m.put(n, backend.get(a.get(0)));
    }
    return m;
  }

  /** Reads one array (replica 0 of a result, say), waiting for it. */
  public Tensor read(DeviceArray a) {
    return backend.get(a);
  }

  /**
   * Enqueues {@code step} with {@code feeds} (one array per replica each; the caller keeps owning them) and returns
   * its results by name, one array per replica, owned by the caller. State outputs replace the state held here.
   */
  public Map<String, List<DeviceArray>> run(StatefulStep step, Map<String, List<DeviceArray>> feeds) {
    Executable exe = compiled.get(step);
    if (exe == null) throw new IllegalStateException("step not compiled on this runner");
    List<String> inputs = step.inputs();
    List<List<DeviceArray>> args = new ArrayList<>(devices.size());
    for (int r = 0; r < devices.size(); r++) {
      List<DeviceArray> a = new ArrayList<>(inputs.size());
      for (String name : inputs) {
        List<DeviceArray> src = feeds.containsKey(name) ? feeds.get(name) : resident.get(name);
        if (src == null) throw new IllegalStateException("no value for step input '" + name + "'");
        a.add(src.get(r));
      }
      args.add(a);
    }
    List<List<DeviceArray>> outs = exe.enqueue(args);
    List<String> names = step.graph().outputNames();
    Map<String, List<DeviceArray>> results = new LinkedHashMap<>();
    for (int o = 0; o < names.size(); o++) {
      String name = names.get(o);
      List<DeviceArray> perReplica = new ArrayList<>(devices.size());
      for (int r = 0; r < devices.size(); r++) perReplica.add(outs.get(r).get(o));
      if (step.state().contains(name)) {
        List<DeviceArray> old = resident.put(name, perReplica);
        // Donated inputs were consumed; closing them frees the handles (a no-op where the backend reused them).
        if (old != null) for (int r = 0; r < old.size(); r++) if (old.get(r) != perReplica.get(r)) old.get(r).close();
      } else {
        results.put(name, perReplica);
      }
    }
    return results;
  }

  /** Closes every array of {@code results}. */
  public static void release(Map<String, List<DeviceArray>> results) {
    for (List<DeviceArray> l : results.values()) l.forEach(DeviceArray::close);
  }

  @Override
  public void close() {
    for (List<DeviceArray> l : resident.values()) l.forEach(DeviceArray::close);
    resident.clear();
    compiled.values().forEach(Executable::close);
    compiled.clear();
  }
}
