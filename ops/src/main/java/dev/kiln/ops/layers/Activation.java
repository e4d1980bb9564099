package dev.kiln.ops.layers;

import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Ops;
import dev.kiln.ops.Layer;
import dev.kiln.ops.LayerContext;
import dev.kiln.ops.Variable;
import dev.kiln.ops.infer.RowOp;
import dev.kiln.ops.keras.KerasConfig;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Keras Activation, and the activations every layer's {@code activation} field names: relu, sigmoid, tanh, linear,
 * elu (α = 1), gelu (exact, with erf) and swish (x·sigmoid(x)), as Keras defines them.
 */
public record Activation(String name, String activation) implements Layer {
  /** The activations Kiln implements. */
  public static final List<String> SUPPORTED = List.of("relu", "sigmoid", "tanh", "linear", "elu", "gelu", "swish");

  public Activation {
    check(activation);
  }

  static void check(String activation) {
    if (!SUPPORTED.contains(activation)) {
      throw new IllegalArgumentException("unsupported activation '" + activation + "': " + String.join(", ", SUPPORTED));
    }
  }

  /** A layer's activation field ({@code silu} is Keras's other name for swish). */
  static String read(KerasConfig c, String field) {
    List<String> names = new java.util.ArrayList<>(SUPPORTED);
    names.add("silu");
    String a = c.getChoice(field, "linear", names);
    return a.equals("silu") ? "swish" : a;
  }

  /** Reads Keras's config. */
  public static Activation fromKeras(KerasConfig c, List<int[]> in) {
    c.common();
    String a = read(c, "activation");
    c.finish();
    return new Activation(c.layer(), a);
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
      case "tanh" -> Ops.tanh(x);
      case "elu" -> Ops.select(Ops.compare(x, Ops.Cmp.GT, Ops.zerosLike(x)), x,
          Ops.exp(Ops.min(x, Ops.zerosLike(x))).sub(1.0));
      case "gelu" -> x.mul(erf(x.mul(Math.sqrt(0.5))).add(1.0)).mul(0.5);
      case "swish" -> x.mul(Ops.logistic(x));
      default -> x;
    };
  }

  /**
   * erf by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7), odd-extended: for gelu, whose Keras form is
   * 0.5·x·(1 + erf(x/√2)). Written with primitives, so it differentiates and lowers like any composite.
   */
  static Value erf(Value x) {
    Value a = Ops.abs(x);
    Value t = Ops.constantLike(x, 1.0).div(a.mul(0.3275911).add(1.0));
    Value poly = t.mul(1.061405429).add(-1.453152027).mul(t).add(1.421413741).mul(t).add(-0.284496736).mul(t)
        .add(0.254829592).mul(t);
    Value e = Ops.constantLike(x, 1.0).sub(poly.mul(Ops.exp(Ops.neg(a.mul(a)))));
    return Ops.sign(x).mul(e);
  }

  @Override
  public RowOp rowOp(Function<String, float[]> variables, List<int[]> inputShapes) {
    return new RowOp.Activation(activation);
  }
}
