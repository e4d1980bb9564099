package dev.kiln.ops.layers;

import dev.kiln.core.Shape;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Ops;
import dev.kiln.ops.Layer;
import dev.kiln.ops.LayerContext;
import dev.kiln.ops.Variable;
import java.util.List;
import java.util.Map;
import dev.kiln.core.op.Convolution;

/**
 * Keras Conv1D, channels last: cross-correlation of [batch, steps, channels] with a (kernel, in, filters) kernel,
 * stride 1, 'same' (pads (k−1)/2 low and k/2 high) or 'valid' padding, plus a bias. Glorot-uniform kernel with
 * fans receptive × channels, zero bias.
 */
public record Conv1D(String name, int inChannels, int filters, int kernelSize, boolean same) implements Layer {
  @Override public String className() { return "Conv1D"; }

  @Override
  public Map<String, Object> config() {
    Map<String, Object> c = LayerConfig.base(name);
    c.put("filters", filters);
    c.put("kernel_size", List.of(kernelSize));
    c.put("strides", List.of(1));
    c.put("padding", same ? "same" : "valid");
    c.put("data_format", "channels_last");
    c.put("dilation_rate", List.of(1));
    c.put("groups", 1);
    c.put("activation", "linear");
    c.put("use_bias", true);
    c.put("kernel_initializer", Map.of("class_name", "GlorotUniform", "config", Map.of()));
    c.put("bias_initializer", Map.of("class_name", "Zeros", "config", Map.of()));
    return c;
  }

  @Override
  public List<Variable> variables() {
    return List.of(
        new Variable(name + "/kernel", Shape.of(kernelSize, inChannels, filters), true,
            new Variable.GlorotUniform(kernelSize * inChannels, kernelSize * filters)),
        new Variable(name + "/bias", Shape.of(filters), true, new Variable.Fill(0)));
  }

  @Override
  public int[] outputShape(List<int[]> in) {
    int steps = in.get(0)[0];
    return new int[] {same ? steps : steps - kernelSize + 1, filters};
  }

  @Override
  public Value apply(LayerContext ctx, List<Value> in) {
    int lo = same ? (kernelSize - 1) / 2 : 0, hi = same ? kernelSize / 2 : 0;
    Convolution conv = Convolution.of(new int[] {1}, new int[] {lo}, new int[] {hi}, Convolution.Dims.channelsLast(1));
    return Ops.convolution(in.get(0), ctx.variable(name + "/kernel"), conv).add(ctx.variable(name + "/bias"));
  }
}
