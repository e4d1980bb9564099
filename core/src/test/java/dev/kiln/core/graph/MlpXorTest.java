package dev.kiln.core.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.backend.CompileOptions;
import dev.kiln.core.backend.DeviceArray;
import dev.kiln.core.backend.Executable;
import dev.kiln.core.cpu.JavaBackend;
import dev.kiln.core.op.Ops;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * End to end on the Java backend: a two-layer MLP on XOR-like data (the sign of x·y, not linearly separable),
 * trained with plain gradient descent by one compiled step graph whose parameters are donated and updated in place.
 */
class MlpXorTest {
  @Test
  void mlpLearnsXorToFullAccuracy() {
    int n = 256, hidden = 16;
    Random rnd = new Random(1234);
    float[] xs = new float[n * 2];
    float[] ys = new float[n];
    for (int i = 0; i < n; i++) {
      float a = (float) (rnd.nextDouble() * 2 - 1), b = (float) (rnd.nextDouble() * 2 - 1);
      a += Math.signum(a) * 0.1f;
      b += Math.signum(b) * 0.1f;
      xs[2 * i] = a;
      xs[2 * i + 1] = b;
      ys[i] = a * b > 0 ? 1 : 0;
    }
    Tracer t = new Tracer();
    Value w1 = t.parameter("w1", DType.F32, 2, hidden);
    Value b1 = t.parameter("b1", DType.F32, hidden);
    Value w2 = t.parameter("w2", DType.F32, hidden, 1);
    Value b2 = t.parameter("b2", DType.F32, 1);
    Value x = t.parameter("x", DType.F32, n, 2);
    Value y = t.parameter("y", DType.F32, n, 1);
    Value h = Ops.tanh(Ops.matmul(x, w1).add(b1));
    Value z = Ops.matmul(h, w2).add(b2);
    // binary cross-entropy from logits: max(z,0) - z*y + log1p(exp(-|z|))
    Value loss = Ops.mean(Ops.relu(z).sub(z.mul(y)).add(Ops.log1p(Ops.exp(Ops.neg(Ops.abs(z))))));
    List<Value> params = List.of(w1, b1, w2, b2);
    List<Value> grads = Autodiff.grad(loss, params);
    Value[] outs = new Value[6];
    for (int i = 0; i < 4; i++) outs[i] = params.get(i).sub(grads.get(i).mul(0.5));
    outs[4] = loss;
    outs[5] = z;
    Graph step = t.build(outs);
    try (JavaBackend be = new JavaBackend()) {
      Executable exe = be.compile(step, CompileOptions.DEFAULT.withDonations(Map.of(0, 0, 1, 1, 2, 2, 3, 3)));
      float[] w1i = new float[2 * hidden];
      float[] w2i = new float[hidden];
      for (int i = 0; i < w1i.length; i++) w1i[i] = (float) (rnd.nextGaussian());
      for (int i = 0; i < w2i.length; i++) w2i[i] = (float) (rnd.nextGaussian() * 0.5);
      List<DeviceArray> state = new ArrayList<>(List.of(be.put(Tensor.of(w1i, 2, hidden)),
          be.put(Tensor.zeros(DType.F32, hidden)), be.put(Tensor.of(w2i, hidden, 1)),
          be.put(Tensor.zeros(DType.F32, 1))));
      DeviceArray xa = be.put(Tensor.of(xs, n, 2)), ya = be.put(Tensor.of(ys, n, 1));
      List<DeviceArray> out = null;
      for (int it = 0; it < 600; it++) {
        List<DeviceArray> args = new ArrayList<>(state);
        args.add(xa);
        args.add(ya);
        out = exe.run(args);
        state = new ArrayList<>(out.subList(0, 4));
      }
      float[] logits = be.get(out.get(5)).floats();
      int correct = 0;
      for (int i = 0; i < n; i++) if ((logits[i] > 0) == (ys[i] > 0.5f)) correct++;
      assertEquals(n, correct, "accuracy after training; final loss " + be.get(out.get(4)).item());
    }
  }
}
