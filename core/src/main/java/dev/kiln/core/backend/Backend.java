package dev.kiln.core.backend;

import dev.kiln.core.Tensor;
import dev.kiln.core.graph.Graph;
import java.util.ArrayList;
import java.util.List;

/**
 * Where graphs run. A backend compiles graphs into executables and moves arrays between the host and its devices.
 * Kiln has the embedded Java backend ({@code java}) and the PJRT backends ({@code pjrt:cpu}, {@code pjrt:cuda},
 * {@code pjrt:tpu}); all pass one conformance suite.
 */
public interface Backend extends AutoCloseable {
  /** E.g. "java", "pjrt:cuda". */
  String name();

  List<Device> devices();

  Executable compile(Graph graph, CompileOptions options);

  default Executable compile(Graph graph) {
    return compile(graph, CompileOptions.DEFAULT);
  }

  /** Copies (or, where the memory is shared, wraps) a host tensor onto a device. */
  DeviceArray put(Tensor tensor, Device device);

  default DeviceArray put(Tensor tensor) {
    return put(tensor, devices().get(0));
  }

  /** A device array and the hold on the host memory it was made from. */
  record Placed(DeviceArray array, HostHold hold) {}

  /**
   * Starts placing a host tensor on a device without waiting for the host memory to be read: the array is usable at
   * once (a step enqueued on it waits for the transfer), and the tensor's memory must stay unchanged until the hold
   * is done. PJRT backends transfer asynchronously, and on a CPU device use the memory in place where it is aligned
   * (no copy at all); the default copies, as {@link #put}, and holds nothing.
   */
  default Placed putAsync(Tensor tensor, Device device) {
    return new Placed(put(tensor, device), HostHold.NONE);
  }

  /**
   * Memory a new array on {@code device} may take, in bytes, where the backend can tell (a GPU's or TPU's free
   * memory, the JVM's free heap for the Java backend); empty when it cannot.
   */
  default java.util.OptionalLong freeMemory(Device device) {
    return java.util.OptionalLong.empty();
  }

  /** Copies a device array to the host. */
  Tensor get(DeviceArray array);

  /** Compiles, runs once on the first device with host inputs, and returns host outputs: for tests and tools. */
  default List<Tensor> evaluate(Graph graph, Tensor... inputs) {
    try (Executable exe = compile(graph)) {
      List<DeviceArray> args = new ArrayList<>();
      for (Tensor t : inputs) args.add(put(t));
      List<DeviceArray> outs = exe.run(args);
      List<Tensor> r = new ArrayList<>();
      for (DeviceArray o : outs) {
        r.add(get(o));
        o.close();
      }
      for (DeviceArray a : args) a.close();
      return r;
    }
  }

  @Override
  void close();
}
