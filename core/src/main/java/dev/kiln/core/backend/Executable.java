package dev.kiln.core.backend;

import dev.kiln.core.graph.Graph;
import java.util.List;

/** A graph compiled for one backend, run many times with device-resident arguments. */
public interface Executable extends AutoCloseable {
  Graph graph();

  CompileOptions options();

  /**
   * Runs one replica per argument list (list r goes to device r) and returns each replica's outputs, in the
   * graph's output order. Donated arguments are consumed.
   */
  List<List<DeviceArray>> execute(List<List<DeviceArray>> argumentsPerReplica);

  /**
   * As {@link #execute}, but may return as soon as the run is enqueued: the outputs become ready later, reading one
   * ({@code Backend.get}) waits for it, and an error of the run surfaces there. Steps enqueued back to back overlap
   * with the host's work. Backends that compute synchronously just run.
   */
  default List<List<DeviceArray>> enqueue(List<List<DeviceArray>> argumentsPerReplica) {
    return execute(argumentsPerReplica);
  }

  /** Single-replica shorthand for {@link #execute}. */
  default List<DeviceArray> run(List<DeviceArray> arguments) {
    return execute(List.of(arguments)).get(0);
  }

  @Override
  default void close() {}
}
