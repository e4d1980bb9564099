package dev.kiln.ops.layers;

import dev.kiln.core.Shape;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Ops;
import dev.kiln.ops.Layer;
import dev.kiln.ops.LayerContext;
import dev.kiln.ops.Variable;
import java.util.List;
import java.util.Map;

/**
 * Keras Dense: x·kernel + bias, then the activation. {@link #logits} gives the pre-activation, which the loss uses
 * (Keras rewrites sigmoid + binary cross-entropy into the logits form).
 */
public record Dense(String name, int inputs, int units, String activation) implements Layer {
  @Override public String className() { return "Dense"; }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = LayerConfig.base(name);
    c.put("units", units);
    c.put("activation", activation);
    c.put("use_bias", true);
    c.put("kernel_initializer", Map.of("class_name", "GlorotUniform", "config", Map.of()));
    c.put("bias_initializer", Map.of("class_name", "Zeros", "config", Map.of()));
    return c;
  }

  @Override
  public List<Variable> variables() {
    return List.of(new Variable(name + "/kernel", Shape.of(inputs, units), true,
            new Variable.GlorotUniform(inputs, units)),
        new Variable(name + "/bias", Shape.of(units), true, new Variable.Fill(0)));
  }

  @Override public int[] outputShape(List<int[]> in) { return new int[] {units}; }

  /** x·kernel + bias. */
  public Value logits(LayerContext ctx, Value x) {
    return Ops.matmul(x, ctx.variable(name + "/kernel")).add(ctx.variable(name + "/bias"));
  }

  @Override
  public Value apply(LayerContext ctx, List<Value> in) {
    return Activation.activate(activation, logits(ctx, in.get(0)));
  }
}
