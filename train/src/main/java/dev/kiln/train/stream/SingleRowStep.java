package dev.kiln.train.stream;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.backend.DeviceArray;
import dev.kiln.core.backend.Executable;
import dev.kiln.core.cpu.JavaBackend;
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
 * as a graph for one sample: the forward pass of the evaluation step without its metric accumulators, labels or
 * weights. The variables are placed on the device once; each call feeds the one input buffer this object owns (on
 * the Java backend, the very array placed once) and reads the output's units into a reused array. The predictor's
 * {@code graph} engine, beside the {@link PlanModel} it is checked and measured against.
 */
final class SingleRowStep implements SampleModel {
  private final JavaBackend backend = new JavaBackend();
  private final Executable exe;
  private final List<DeviceArray> args;
  private final int xSlot;
  private final float[] input;
  private final Tensor inputTensor;
  private final float[] probabilities;

  SingleRowStep(Model model, Map<String, Tensor> variables) {
    Shape shape = batched(model.inputShape());
    StatefulStep step = build(model, shape);
    this.exe = backend.compile(step.graph(), step.options());
    this.input = new float[shape.size()];
    this.inputTensor = Tensor.wrap(DType.F32, shape, input);
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
    // The Java backend's arrays alias host memory: x is placed once, over the input buffer, and reused.
    args.set(xSlot, backend.put(inputTensor));
    this.probabilities = new float[step.graph().outputs().get(0).type().shape().dims()[1]];
  }

  private static Shape batched(int[] shape) {
    int[] dims = new int[shape.length + 1];
    dims[0] = 1;
    System.arraycopy(shape, 0, dims, 1, shape.length);
    return Shape.of(dims);
  }

  private static StatefulStep build(Model model, Shape shape) {
    StatefulStep.Builder b = StatefulStep.builder(1);
    Tracer t = b.tracer();
    Map<String, Value> params = new LinkedHashMap<>();
    for (Variable v : model.variables()) {
      params.put(v.name(), b.resident(v.name(), new TensorType(DType.F32, v.shape())));
    }
    Value x = b.feed("x", new TensorType(DType.F32, shape));
    LayerContext ctx = new LayerContext(params, false, Threefry.key(t, 0), t.scalar(0, DType.U32), 1);
    b.result("probabilities", model.forward(ctx, x).output());
    return b.build();
  }

  @Override
  public float[] input() {
    return input;
  }

  @Override
  public int inputOffset() {
    return 0;
  }

  @Override
  public float[] run() {
    List<DeviceArray> out = exe.run(args);
    try {
      float[] p = backend.get(out.get(0)).floats();
      System.arraycopy(p, 0, probabilities, 0, probabilities.length);
    } finally {
      for (DeviceArray a : out) a.close();
    }
    return probabilities;
  }

  @Override
  public int units() {
    return probabilities.length;
  }

  @Override
  public void close() {
    for (DeviceArray a : args) if (a != null) a.close();
    exe.close();
    backend.close();
  }
}
