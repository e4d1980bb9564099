package dev.kiln.ops.layers;

import dev.kiln.core.Shape;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Ops;
import dev.kiln.ops.Layer;
import dev.kiln.ops.LayerContext;
import dev.kiln.ops.Variable;
import java.util.List;
import java.util.Map;

/** Keras Activation: relu, sigmoid or linear. */
public record Activation(String name, String activation) implements Layer {
  public Activation {
    if (!List.of("relu", "sigmoid", "linear").contains(activation)) {
      throw new IllegalArgumentException("unsupported activation '" + activation + "': relu, sigmoid or linear");
    }
  }

  @Override public String className() { return "Activation"; }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = LayerConfig.base(name);
    c.put("activation", activation);
    return c;
  }

  @Override public List<Variable> variables() { return List.of(); }
  @Override public int[] outputShape(List<int[]> in) { return in.get(0); }

  @Override
  public Value apply(LayerContext ctx, List<Value> in) {
    return activate(activation, in.get(0));
  }

  static Value activate(String activation, Value x) {
    return switch (activation) {
      case "relu" -> Ops.relu(x);
      case "sigmoid" -> Ops.logistic(x);
      default -> x;
    };
  }
}
