package dev.kiln.ops.infer;

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
import dev.kiln.ops.Layer;
import dev.kiln.ops.LayerContext;
import dev.kiln.ops.Variable;
import dev.kiln.ops.train.StatefulStep;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A layer that gives no {@link RowOp}, run as its own graph at batch 1 on the Java backend, in inference mode: the
 * layer's variables placed once, its inputs copied into arrays placed once. Correct for any layer; it allocates its
 * output per call, which the layers with a row form avoid.
 */
final class GraphKernel implements RowOp.Kernel, AutoCloseable {
  private final JavaBackend backend = new JavaBackend();
  private final Executable exe;
  private final List<DeviceArray> args = new ArrayList<>();
  private final List<float[]> inputs = new ArrayList<>();
  private final List<Integer> inputSlots = new ArrayList<>();

  GraphKernel(Layer layer, List<int[]> inputShapes, Function<String, float[]> variables) {
    StatefulStep.Builder b = StatefulStep.builder(1);
    Tracer t = b.tracer();
    Map<String, Value> params = new LinkedHashMap<>();
    for (Variable v : layer.variables()) params.put(v.name(), b.resident(v.name(), new TensorType(DType.F32, v.shape())));
    List<Value> xs = new ArrayList<>();
    for (int i = 0; i < inputShapes.size(); i++) {
      xs.add(b.feed("x" + i, new TensorType(DType.F32, batched(inputShapes.get(i)))));
    }
    LayerContext ctx = new LayerContext(params, false, Threefry.key(t, 0), t.scalar(0, DType.U32), 1);
    b.result("y", layer.apply(ctx, xs));
    StatefulStep step = b.build();
    this.exe = backend.compile(step.graph(), step.options());
    for (String name : step.inputs()) {
      if (params.containsKey(name)) {
        Variable v = layer.variables().stream().filter(w -> w.name().equals(name)).findFirst().orElseThrow();
        args.add(backend.put(Tensor.wrap(DType.F32, v.shape(), variables.apply(name))));
      } else {
        int i = Integer.parseInt(name.substring(1));
        float[] x = new float[new RowOp.Slice(null, 0, inputShapes.get(i)).size()];
        inputSlots.add(args.size());
        inputs.add(x);
        args.add(backend.put(Tensor.wrap(DType.F32, batched(inputShapes.get(i)), x)));
      }
    }
  }

  private static Shape batched(int[] shape) {
    int[] dims = new int[shape.length + 1];
    dims[0] = 1;
    System.arraycopy(shape, 0, dims, 1, shape.length);
    return Shape.of(dims);
  }

  @Override
  public void run(List<RowOp.Slice> in, RowOp.Slice out) {
    for (int i = 0; i < inputs.size(); i++) {
      RowOp.Slice s = in.get(i);
      System.arraycopy(s.array(), s.offset(), inputs.get(i), 0, inputs.get(i).length);
    }
    List<DeviceArray> result = exe.run(args);
    try {
      System.arraycopy(backend.get(result.get(0)).floats(), 0, out.array(), out.offset(), out.size());
    } finally {
      for (DeviceArray a : result) a.close();
    }
  }

  @Override
  public void close() {
    for (DeviceArray a : args) a.close();
    exe.close();
    backend.close();
  }
}
