package dev.kiln.ops.layers;

import dev.kiln.core.Shape;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Ops;
import dev.kiln.ops.Layer;
import dev.kiln.ops.LayerContext;
import dev.kiln.ops.Variable;
import dev.kiln.ops.infer.RowOp;
import dev.kiln.ops.keras.KerasConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Keras Dense over the last axis: x·kernel (+ bias), then the activation. {@link #logits} gives the pre-activation,
 * which the loss uses (Keras rewrites sigmoid + binary cross-entropy into the logits form).
 */
public record Dense(String name, int inputs, int units, String activation, boolean useBias) implements Layer {
  public Dense {
    Activation.check(activation);
  }

  /** With a bias, as the seed's. */
  public Dense(String name, int inputs, int units, String activation) {
    this(name, inputs, units, activation, true);
  }

  /** Reads Keras's config (every field honoured or rejected). */
  public static Dense fromKeras(KerasConfig c, List<int[]> in) {
    c.common();
    int units = c.getInt("units", -1);
    if (units < 1) throw c.error("units", "must be >= 1");
    String act = Activation.read(c, "activation");
    boolean bias = c.getBool("use_bias", true);
    LayerConfig.kernelAndBias(c);
    c.finish();
    int[] s = in.get(0);
    return new Dense(c.layer(), s[s.length - 1], units, act, bias);
  }

  @Override public String className() { return "Dense"; }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = LayerConfig.base(name);
    c.put("units", units);
    c.put("activation", activation);
    c.put("use_bias", useBias);
    c.put("kernel_initializer", Map.of("class_name", "GlorotUniform", "config", Map.of()));
    c.put("bias_initializer", Map.of("class_name", "Zeros", "config", Map.of()));
    return c;
  }

  @Override
  public List<Variable> variables() {
    List<Variable> v = new ArrayList<>();
    v.add(new Variable(name + "/kernel", Shape.of(inputs, units), true, new Variable.GlorotUniform(inputs, units)));
    if (useBias) v.add(new Variable(name + "/bias", Shape.of(units), true, new Variable.Fill(0)));
    return v;
  }

  @Override
  public int[] outputShape(List<int[]> in) {
    int[] s = in.get(0).clone();
    s[s.length - 1] = units;
    return s;
  }

  /** x·kernel (+ bias). */
  public Value logits(LayerContext ctx, Value x) {
    Value y = Ops.matmul(x, ctx.variable(name + "/kernel"));
    return useBias ? y.add(ctx.variable(name + "/bias")) : y;
  }

  @Override
  public Value apply(LayerContext ctx, List<Value> in) {
    return Activation.activate(activation, logits(ctx, in.get(0)));
  }

  @Override
  public RowOp rowOp(Function<String, float[]> variables, List<int[]> inputShapes) {
    float[] bias = useBias ? variables.apply(name + "/bias") : new float[units];
    return RowOp.Linear.dense(variables.apply(name + "/kernel"), bias, inputs, units, activation);
  }
}
