package dev.kiln.train.stream;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.backend.Backend;
import dev.kiln.core.backend.DeviceArray;
import dev.kiln.core.backend.Executable;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import dev.kiln.core.random.Threefry;
import dev.kiln.ops.LayerContext;
import dev.kiln.ops.Model;
import dev.kiln.ops.Variable;
import dev.kiln.ops.train.StatefulStep;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model in inference mode (no dropout or noise, batch normalization from its moving statistics) compiled once
 * for one window: the forward pass of the evaluation step without its metric accumulators, labels or weights. The
 * variables are placed on the device once; each call feeds the one input buffer this object owns (on the Java
 * backend, the very array placed once) and reads the output's units into a reused array.
 */
final class SingleRowStep implements AutoCloseable {
  private final Backend backend;
  private final Executable exe;
  private final List<DeviceArray> args;
  private final int xSlot;
  private final float[] input;
  private final Tensor inputTensor;
  private final float[] probabilities;
  /** The Java backend's arrays alias host memory: its x is placed once, over the input buffer, and reused. */
  private final boolean aliases;

  SingleRowStep(Backend backend, Model model, Map<String, Tensor> variables) {
    this.backend = backend;
    int[] in = model.inputShape();
    StatefulStep step = build(model, in[0], in[1]);
    this.exe = backend.compile(step.graph(), step.options());
    this.input = new float[in[0] * in[1]];
    this.inputTensor = Tensor.wrap(DType.F32, Shape.of(1, in[0], in[1]), input);
    List<String> names = step.inputs();
    this.args = new ArrayList<>(names.size());
    int x = -1;
    for (int i = 0; i < names.size(); i++) {
      if (names.get(i).equals("x")) {
        x = i;
        args.add(null);
      } else {
        args.add(backend.put(variables.get(names.get(i))));
      }
    }
    this.xSlot = x;
    this.aliases = backend instanceof dev.kiln.core.cpu.JavaBackend;
    if (aliases) args.set(xSlot, backend.put(inputTensor));
    this.probabilities = new float[step.graph().outputs().get(0).type().shape().dims()[1]];
  }

  private static StatefulStep build(Model model, int window, int features) {
    StatefulStep.Builder b = StatefulStep.builder(1);
    Tracer t = b.tracer();
    Map<String, Value> params = new LinkedHashMap<>();
    for (Variable v : model.variables()) {
      params.put(v.name(), b.resident(v.name(), new TensorType(DType.F32, v.shape())));
    }
    Value x = b.feed("x", new TensorType(DType.F32, Shape.of(1, window, features)));
    LayerContext ctx = new LayerContext(params, false, Threefry.key(t, 0), t.scalar(0, DType.U32), 1);
    b.result("probabilities", model.forward(ctx, x).output());
    return b.build();
  }

  /** The input buffer, [window, features] row-major: fill it, then {@link #run}. */
  float[] input() {
    return input;
  }

  /** Runs the model on the input buffer; the result (the output's units) is valid until the next call. */
  float[] run() {
    // A device backend copies the input buffer here, each call.
    DeviceArray x = aliases ? null : backend.put(inputTensor);
    if (x != null) args.set(xSlot, x);
    List<DeviceArray> out = exe.run(args);
    try {
      float[] p = backend.get(out.get(0)).floats();
      System.arraycopy(p, 0, probabilities, 0, probabilities.length);
    } finally {
      for (DeviceArray a : out) a.close();
      if (x != null) x.close();
    }
    return probabilities;
  }

  int units() {
    return probabilities.length;
  }

  @Override
  public void close() {
    for (DeviceArray a : args) if (a != null) a.close();
    exe.close();
  }
}
