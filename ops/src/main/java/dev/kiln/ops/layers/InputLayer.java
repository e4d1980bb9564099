package dev.kiln.ops.layers;

import dev.kiln.core.graph.Value;
import dev.kiln.ops.Layer;
import dev.kiln.ops.LayerContext;
import dev.kiln.ops.Variable;
import dev.kiln.ops.infer.RowOp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Keras InputLayer: the model's input of a fixed shape (batch dimension excluded). */
public record InputLayer(String name, int[] shape) implements Layer {
  /** Reads Keras's config: a float32 input of a fixed shape. */
  public static InputLayer fromKeras(dev.kiln.ops.keras.KerasConfig c) {
    com.fasterxml.jackson.databind.JsonNode shape = c.raw("batch_input_shape");
    if (shape == null || !shape.isArray() || shape.size() < 2 || !shape.get(0).isNull()) {
      throw c.error("batch_input_shape", "must be [null, d1, ...] (a batch dimension, then fixed sizes)");
    }
    int[] dims = new int[shape.size() - 1];
    for (int i = 1; i < shape.size(); i++) {
      if (!shape.get(i).isIntegralNumber()) throw c.error("batch_input_shape", "has an unknown size " + shape);
      dims[i - 1] = shape.get(i).intValue();
    }
    c.accept("name");
    c.require("dtype", "float32");
    c.require("sparse", false);
    c.require("ragged", false);
    c.require("optional", false);
    c.finish();
    return new InputLayer(c.layer(), dims);
  }

  @Override public String className() { return "InputLayer"; }

  @Override
  public Map<String, Object> config() {
    List<Object> batchShape = new ArrayList<>();
    batchShape.add(null);
    Arrays.stream(shape).forEach(batchShape::add);
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("batch_input_shape", batchShape);
    c.put("dtype", "float32");
    c.put("sparse", false);
    c.put("ragged", false);
    c.put("name", name);
    return c;
  }

  @Override public List<Variable> variables() { return List.of(); }
  @Override public int[] outputShape(List<int[]> in) { return shape.clone(); }
  @Override public Value apply(LayerContext ctx, List<Value> in) { return in.get(0); }

  @Override
  public RowOp rowOp(Function<String, float[]> variables, List<int[]> inputShapes) {
    return new RowOp.Identity();
  }
}
