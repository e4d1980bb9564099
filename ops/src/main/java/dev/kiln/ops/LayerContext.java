package dev.kiln.ops;

import dev.kiln.core.graph.Value;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a layer sees while it is traced: the symbolic values of its variables, whether the graph is a training or an
 * inference graph, the random key and counter for noise, the number of data-parallel replicas (batch statistics
 * that feed moving averages are averaged over them), and a place to record new values of non-trainable state
 * (batch normalization's moving statistics).
 */
public final class LayerContext {
  private final Map<String, Value> variables;
  private final boolean training;
  private final Value rngKey;
  private final Value rngCounter;
  private final int replicas;
  private final int batchNormGroup;
  private final Map<String, Value> updates = new LinkedHashMap<>();

  public LayerContext(Map<String, Value> variables, boolean training, Value rngKey, Value rngCounter, int replicas) {
    this(variables, training, rngKey, rngCounter, replicas, 0);
  }

  /**
   * As above, with batch normalization taking its training statistics over groups of {@code batchNormGroup}
   * samples (0: the replica's whole batch), as each 512-sample replica of the seed's TPU did.
   */
  public LayerContext(Map<String, Value> variables, boolean training, Value rngKey, Value rngCounter, int replicas,
      int batchNormGroup) {
    this.variables = variables;
    this.training = training;
    this.rngKey = rngKey;
    this.rngCounter = rngCounter;
    this.replicas = replicas;
    this.batchNormGroup = batchNormGroup;
  }

  /** Samples per batch-normalization group in training, 0 for the whole (replica's) batch. */
  public int batchNormGroup() {
    return batchNormGroup;
  }

  /** The value of variable {@code name} (e.g. {@code conv1d/kernel}). */
  public Value variable(String name) {
    Value v = variables.get(name);
    if (v == null) throw new IllegalArgumentException("no variable '" + name + "' in this graph");
    return v;
  }

  public boolean training() {
    return training;
  }

  public Value rngKey() {
    return rngKey;
  }

  public Value rngCounter() {
    return rngCounter;
  }

  public int replicas() {
    return replicas;
  }

  /** Records the new value of a non-trainable variable, written back after the step. */
  public void update(String name, Value value) {
    variable(name);
    updates.put(name, value);
  }

  public Map<String, Value> updates() {
    return updates;
  }
}
