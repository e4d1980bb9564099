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

  /** Single-replica shorthand for {@link #execute}. */
  default List<DeviceArray> run(List<DeviceArray> arguments) {
    return execute(List.of(arguments)).get(0);
  }

  @Override
  default void close() {}
}
