package dev.kiln.core.backend;

import java.util.Map;
import java.util.TreeMap;

/**
 * How to compile a graph: the number of replicas (data-parallel copies, one per device) and the donated inputs,
 * a map from parameter index to the output index that may reuse its memory (parameters and optimizer state
 * updated in place by a training step). A donated input array is consumed by the run.
 */
public record CompileOptions(int replicas, Map<Integer, Integer> donations) {
  public static final CompileOptions DEFAULT = new CompileOptions(1, Map.of());

  public CompileOptions {
    if (replicas < 1) throw new IllegalArgumentException("replicas must be >= 1, got " + replicas);
    donations = Map.copyOf(new TreeMap<>(donations));
  }

  public CompileOptions withDonations(Map<Integer, Integer> d) {
    return new CompileOptions(replicas, d);
  }
}
