package dev.kiln.ops.layers;

import dev.kiln.core.Shape;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Convolution;
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
 * Keras Conv1D, channels last: cross-correlation of [batch, steps, channels] with a (kernel, in, filters) kernel,
 * with strides, dilation and 'valid', 'same' (Keras's split: the extra pad at the end) or 'causal' (all padding
 * before) padding, an optional bias and an activation. Glorot-uniform kernel with fans receptive × channels, zero
 * bias.
 */
public record Conv1D(String name, int inChannels, int filters, int kernelSize, int strides, int dilation,
    String padding, boolean useBias, String activation) implements Layer {
  public Conv1D {
    Activation.check(activation);
  }

  /** The seed's form: stride 1, no dilation, bias, linear. */
  public Conv1D(String name, int inChannels, int filters, int kernelSize, boolean same) {
    this(name, inChannels, filters, kernelSize, 1, 1, same ? "same" : "valid", true, "linear");
  }

  /** Reads Keras's config (every field honoured or rejected). */
  public static Conv1D fromKeras(KerasConfig c, List<int[]> in) {
    c.common();
    int filters = c.getInt("filters", -1);
    int k = c.getOne("kernel_size", -1);
    int s = c.getOne("strides", 1), d = c.getOne("dilation_rate", 1);
    if (filters < 1 || k < 1 || s < 1 || d < 1) throw c.error("filters/kernel_size/strides/dilation_rate", "must be >= 1");
    if (s > 1 && d > 1) throw c.error("strides", "> 1 with dilation_rate > 1 is not supported (nor by Keras)");
    String padding = c.getChoice("padding", "valid", List.of("valid", "same", "causal"));
    c.require("data_format", "channels_last");
    c.require("groups", 1);
    String act = Activation.read(c, "activation");
    boolean bias = c.getBool("use_bias", true);
    LayerConfig.kernelAndBias(c);
    c.finish();
    if (in.get(0).length != 2) throw c.error("input", "must be [steps, channels]");
    return new Conv1D(c.layer(), in.get(0)[1], filters, k, s, d, padding, bias, act);
  }

  @Override public String className() { return "Conv1D"; }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = LayerConfig.base(name);
    c.put("filters", filters);
    c.put("kernel_size", List.of(kernelSize));
    c.put("strides", List.of(strides));
    c.put("padding", padding);
    c.put("data_format", "channels_last");
    c.put("dilation_rate", List.of(dilation));
    c.put("groups", 1);
    c.put("activation", activation);
    c.put("use_bias", useBias);
    c.put("kernel_initializer", Map.of("class_name", "GlorotUniform", "config", Map.of()));
    c.put("bias_initializer", Map.of("class_name", "Zeros", "config", Map.of()));
    return c;
  }

  @Override
  public List<Variable> variables() {
    List<Variable> v = new ArrayList<>();
    v.add(new Variable(name + "/kernel", Shape.of(kernelSize, inChannels, filters), true,
        new Variable.GlorotUniform(kernelSize * inChannels, kernelSize * filters)));
    if (useBias) v.add(new Variable(name + "/bias", Shape.of(filters), true, new Variable.Fill(0)));
    return v;
  }

  /** Padding before and after the steps, as Keras computes it. */
  private int[] pads(int steps) {
    int span = dilation * (kernelSize - 1);
    return switch (padding) {
      case "causal" -> new int[] {span, 0};
      case "same" -> {
        int out = (steps + strides - 1) / strides;
        int total = Math.max((out - 1) * strides + span + 1 - steps, 0);
        yield new int[] {total / 2, total - total / 2};
      }
      default -> new int[] {0, 0};
    };
  }

  @Override
  public int[] outputShape(List<int[]> in) {
    int steps = in.get(0)[0];
    int[] p = pads(steps);
    int out = (steps + p[0] + p[1] - dilation * (kernelSize - 1) - 1) / strides + 1;
    if (out < 1) {
      throw new IllegalArgumentException("layer '" + name + "' (Conv1D): " + steps + " steps are too few for kernel "
          + kernelSize + " with dilation " + dilation);
    }
    return new int[] {out, filters};
  }

  @Override
  public Value apply(LayerContext ctx, List<Value> in) {
    int[] p = pads(in.get(0).dim(1));
    Convolution conv = new Convolution(new int[] {strides}, new int[] {p[0]}, new int[] {p[1]}, new int[] {1},
        new int[] {dilation}, Convolution.Dims.channelsLast(1), 1);
    Value y = Ops.convolution(in.get(0), ctx.variable(name + "/kernel"), conv);
    if (useBias) y = y.add(ctx.variable(name + "/bias"));
    return Activation.activate(activation, y);
  }

  @Override
  public RowOp rowOp(Function<String, float[]> variables, List<int[]> inputShapes) {
    int[] p = pads(inputShapes.get(0)[0]);
    float[] bias = useBias ? variables.apply(name + "/bias") : new float[filters];
    return new RowOp.Linear(variables.apply(name + "/kernel"), bias, kernelSize, inChannels, filters, strides, dilation,
        p[0], p[1], activation);
  }
}
