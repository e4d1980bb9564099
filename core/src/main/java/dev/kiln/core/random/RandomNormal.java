package dev.kiln.core.random;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.graph.Graph;
import dev.kiln.core.graph.Primitive;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import dev.kiln.core.hlo.HloEmitter;
import java.util.Arrays;
import java.util.List;

/**
 * Standard normal draws of Kiln's Threefry stream for (key U32[2], counter U32[]) as one primitive: the same numbers
 * as {@link Threefry#normalComposite}, the graph of integer and float primitives it stands for. It lowers to exactly
 * that composite's StableHLO (so PJRT backends draw the same bits as before), while the Java backend runs it as one
 * tight loop: the 20 Threefry rounds and the erfinv of each draw, in the composite's float32 operations and order,
 * so its results are bit-identical to evaluating the composite (tested) at a fraction of the cost of interpreting
 * some 170 elementwise ops over the whole draw. The inputs are integers: no gradient flows.
 */
public record RandomNormal(Shape shape, DType dtype) implements Primitive {
  @Override public String name() { return "random_normal"; }
  @Override public String attributes() { return "shape=" + shape + ", dtype=" + dtype; }

  @Override
  public TensorType inferType(List<TensorType> in) {
    if (in.size() != 2 || !in.get(0).equals(new TensorType(DType.U32, Shape.of(2)))
        || !in.get(1).equals(new TensorType(DType.U32, Shape.scalar()))) {
      throw error(in, "expects a key U32[2] and a counter U32[]");
    }
    if (dtype != DType.F32 && dtype != DType.F64) throw error(in, "draws F32 or F64");
    return new TensorType(dtype, shape);
  }

  @Override
  public List<Value> vjp(Value out, Value g) {
    return Arrays.asList(null, null);
  }

  @Override
  public void lower(HloEmitter e, Value out) {
    Tracer t = new Tracer();
    Value key = t.parameter("key", DType.U32, 2), counter = t.parameter("counter", DType.U32);
    Graph sub = t.build(Threefry.normalComposite(key, counter, dtype, shape.dims()));
    e.inline(out, sub);
  }

  @Override
  public Tensor eval(CpuContext ctx, Tensor[] in, TensorType t) {
    int[] key = in[0].ints();
    int counter = in[1].ints()[0];
    int n = shape.size(), m = (n + 1) / 2;
    int k0 = key[0], k1 = key[1], k2 = k0 ^ k1 ^ Threefry.PARITY;
    if (dtype == DType.F32) {
      float[] out = new float[n];
      ctx.parallelFor(m, 4096, (s, e) -> {
        int[] y = new int[2];
        for (int i = s; i < e; i++) {
          Threefry.block(k0, k1, k2, counter, i, y);
          out[i] = normal32(y[0]);
          if (m + i < n) out[m + i] = normal32(y[1]);
        }
      });
      return Tensor.wrap(DType.F32, shape, out);
    }
    double[] out = new double[n];
    ctx.parallelFor(m, 4096, (s, e) -> {
      int[] y = new int[2];
      for (int i = s; i < e; i++) {
        Threefry.block(k0, k1, k2, counter, i, y);
        out[i] = normal64(y[0]);
        if (m + i < n) out[m + i] = normal64(y[1]);
      }
    });
    return Tensor.wrap(DType.F64, shape, out);
  }

  private static final float SQRT2_32 = (float) Math.sqrt(2.0);

  /** The composite's normalFromBits in float32, op for op (each op rounds to float, as the graph does). */
  static float normal32(int bits) {
    float u = ((float) (bits >>> 9) + 0.5f) * (float) 0x1p-22 - 1f;
    float w = -(float) Math.log((1f - u) * (1f + u));
    float p;
    if (w < 5f) {
      float x = w - 2.5f;
      p = 2.81022636e-08f;
      p = p * x + 3.43273939e-07f;
      p = p * x + -3.5233877e-06f;
      p = p * x + -4.39150654e-06f;
      p = p * x + 0.00021858087f;
      p = p * x + -0.00125372503f;
      p = p * x + -0.00417768164f;
      p = p * x + 0.246640727f;
      p = p * x + 1.50140941f;
    } else {
      float x = (float) Math.sqrt(w) - 3f;
      p = -0.000200214257f;
      p = p * x + 0.000100950558f;
      p = p * x + 0.00134934322f;
      p = p * x + -0.00367342844f;
      p = p * x + 0.00573950773f;
      p = p * x + -0.0076224613f;
      p = p * x + 0.00943887047f;
      p = p * x + 1.00167406f;
      p = p * x + 2.83297682f;
    }
    return p * u * SQRT2_32;
  }

  /** The same in float64. */
  static double normal64(int bits) {
    double u = ((double) (bits >>> 9) + 0.5) * 0x1p-22 - 1.0;
    double w = -Math.log((1.0 - u) * (1.0 + u));
    double p;
    if (w < 5.0) {
      double x = w - 2.5;
      p = 2.81022636e-08;
      p = p * x + 3.43273939e-07;
      p = p * x + -3.5233877e-06;
      p = p * x + -4.39150654e-06;
      p = p * x + 0.00021858087;
      p = p * x + -0.00125372503;
      p = p * x + -0.00417768164;
      p = p * x + 0.246640727;
      p = p * x + 1.50140941;
    } else {
      double x = Math.sqrt(w) - 3.0;
      p = -0.000200214257;
      p = p * x + 0.000100950558;
      p = p * x + 0.00134934322;
      p = p * x + -0.00367342844;
      p = p * x + 0.00573950773;
      p = p * x + -0.0076224613;
      p = p * x + 0.00943887047;
      p = p * x + 1.00167406;
      p = p * x + 2.83297682;
    }
    return p * u * Math.sqrt(2.0);
  }
}
