package dev.kiln.ops;

import dev.kiln.core.graph.Value;
import java.util.List;
import java.util.Map;

/**
 * A Keras-style layer: a named, configured function of its inputs with variables. Layers know their output shape
 * (without the batch dimension) for {@code summary()}, and their config for {@code model.json}.
 */
public interface Layer {
  /** The layer's unique name in its model, e.g. {@code conv1d_1}. */
  String name();

  /** The Keras class name, e.g. {@code Conv1D}. */
  String className();

  /** Keras's config for this layer (as in {@code model.to_json()}). */
  Map<String, Object> config();

  /** The variables this layer owns, named {@code <name>/<variable>}. */
  List<Variable> variables();

  /** The output shape, batch dimension excluded, for the given input shapes. */
  int[] outputShape(List<int[]> inputShapes);

  /** Traces the layer on symbolic inputs (with a leading batch dimension). */
  Value apply(LayerContext ctx, List<Value> inputs);

  /**
   * The layer at inference for a single-row {@link dev.kiln.ops.infer.RowPlan}, from its variables' values by name
   * and its inputs' shapes (batch excluded). The default, null, runs the layer as its own small compiled graph.
   */
  default dev.kiln.ops.infer.RowOp rowOp(java.util.function.Function<String, float[]> variables,
      List<int[]> inputShapes) {
    return null;
  }
}
