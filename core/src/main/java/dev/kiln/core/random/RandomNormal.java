package dev.kiln.core.random;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.cpu.Arena;
import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.cpu.VectorLog;
import dev.kiln.core.graph.Primitive;
import dev.kiln.core.graph.Value;
import dev.kiln.core.hlo.HloEmitter;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import java.util.Arrays;
import java.util.List;

/**
 * Standard normal draws of Kiln's Threefry stream for (key U32[2], counter U32[]) as one primitive: the same numbers
 * as {@link Threefry#normalComposite}, the graph of integer and float primitives it stands for. The Java backend runs
 * it as one tight loop: the 20 Threefry rounds and the erfinv of each draw, in the composite's float32 operations and
 * order, so its results are bit-identical to evaluating the composite (tested) at a fraction of the cost of
 * interpreting some 170 elementwise ops over the whole draw. It lowers to {@link Threefry#normalElementwise}: the
 * same words (tested), computed per element so that XLA fuses the draw into its consumer instead of writing the
 * words to memory (docs/benchmarks.md). The inputs are integers: no gradient flows.
 */
public record RandomNormal(Shape shape, DType dtype) implements Primitive {
  @Override public String name() { return "random_normal"; }
  @Override public String attributes() { return "shape=" + shape + ", dtype=" + dtype; }

  @Override
  public TensorType inferType(List<TensorType> in) {
    if (!Threefry.keyAndCounter(in)) throw error(in, "expects a key U32[2] and a counter U32[]");
    if (dtype != DType.F32 && dtype != DType.F64) throw error(in, "draws F32 or F64");
    return new TensorType(dtype, shape);
  }

  @Override
  public List<Value> vjp(Value out, Value g) {
    return Arrays.asList(null, null);
  }

  @Override
  public void lower(HloEmitter e, Value out) {
    Threefry.lowerAs(e, out, (key, counter) -> Threefry.normalElementwise(key, counter, dtype, shape.dims()));
  }

  @Override
  public Tensor eval(CpuContext ctx, Tensor[] in, TensorType t) {
    Threefry.Stream stream = Threefry.Stream.of(in);
    int n = shape.size(), m = (n + 1) / 2;
    if (dtype == DType.F32) {
      float[] out = (float[]) Arena.uninitialized(DType.F32, n);
      ctx.parallelFor(m, 4096, (s, e) -> {
        int vector = Threefry.LANES.length(), lanes = CHUNK_VECTORS * vector;
        int[] y = new int[2], y0 = new int[lanes], y1 = new int[lanes];
        float[] u = new float[lanes], w = new float[lanes], z = new float[lanes];
        double[] logs = new double[lanes];
        int i = s;
        // Up to CHUNK_VECTORS vectors of Threefry blocks at a time, then their words' normals, as the composite
        // computes them; the blocks past the last whole vector one by one.
        while (i + vector <= e) {
          int len = Math.min(lanes, (e - i) / vector * vector);
          for (int v = 0; v < len; v += vector) stream.blocks(i + v, y0, v, y1, v);
          normals32(y0, len, u, w, logs, out, i);
          int tail = Math.min(len, n - (m + i));
          if (tail == len) {
            normals32(y1, len, u, w, logs, out, m + i);
          } else if (tail > 0) {
            normals32(y1, len, u, w, logs, z, 0);
            System.arraycopy(z, 0, out, m + i, tail);
          }
          i += len;
        }
        for (; i < e; i++) {
          stream.block(i, y);
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
        stream.block(i, y);
        out[i] = normal64(y[0]);
        if (m + i < n) out[m + i] = normal64(y[1]);
      }
    });
    return Tensor.wrap(DType.F64, shape, out);
  }

  /**
   * Vectors of blocks per pass of {@link #normals32}: with one vector per pass each of its loops ran one or two trips
   * and their set-up cost more than the work (measurements of 1 to 64: docs/benchmarks.md).
   */
  private static final int CHUNK_VECTORS = 64;

  /** Giles' erfinv coefficients, highest power first: for w < 5 (in w − 2.5) and beyond (in √w − 3). */
  private static final double[] SMALL = {2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
      0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941};
  private static final double[] BIG = {-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844,
      0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682};
  private static final float[] SMALL32 = toFloat(SMALL), BIG32 = toFloat(BIG);
  private static final float SQRT2_32 = (float) Math.sqrt(2.0);

  private static float[] toFloat(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
    return f;
  }

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
  /** Floats as many as {@link #D} has lanes: a double vector narrowed. */
  private static final VectorSpecies<Float> HALF =
      VectorSpecies.of(float.class, VectorShape.forBitSize(D.vectorBitSize() / 2));

  /**
   * {@link #normal32} of the first {@code lanes} words (whole vectors) into {@code dst} at {@code off}: the uniforms
   * and the logarithms' arguments, their logarithms ({@link VectorLog}, which rounds to the same floats as Math.log on
   * every one of these 2^23 arguments: RandomNormalTest), then the polynomial, the square root and the products, all
   * in vector lanes as the same IEEE float operations in the same order (the arguments one by one where the int,
   * float and double shapes do not pair up, which is slower: docs/benchmarks.md); u, w and logs are scratch.
   */
  static void normals32(int[] bits, int lanes, float[] u, float[] w, double[] logs, float[] dst, int off) {
    if (lanes % F.length() != 0 || F.length() != I.length() || F.length() != 2 * D.length()) {
      for (int l = 0; l < lanes; l++) {
        float ul = uniform32(bits[l]);
        u[l] = ul;
        logs[l] = logArgument32(ul);
      }
      VectorLog.logInPlace(logs, lanes);
      for (int l = 0; l < lanes; l++) w[l] = -(float) logs[l];
    } else {
      // The same float operations in vector lanes; float to double and back are exact and round-to-nearest casts.
      for (int l = 0; l < lanes; l += F.length()) {
        var k = (FloatVector) IntVector.fromArray(I, bits, l).lanewise(VectorOperators.LSHR, 9)
            .convert(VectorOperators.I2F, 0);
        var uv = k.add(0.5f).mul((float) 0x1p-22).sub(1f);
        uv.intoArray(u, l);
        var arg = FloatVector.broadcast(F, 1f).sub(uv).mul(uv.add(1f));
        ((DoubleVector) arg.convertShape(VectorOperators.F2D, D, 0)).intoArray(logs, l);
        ((DoubleVector) arg.convertShape(VectorOperators.F2D, D, 1)).intoArray(logs, l + D.length());
      }
      VectorLog.logInPlace(logs, lanes);
      for (int l = 0; l < lanes; l += D.length()) {
        var log = (FloatVector) DoubleVector.fromArray(D, logs, l).convertShape(VectorOperators.D2F, HALF, 0);
        log.neg().intoArray(w, l);
      }
    }
    for (int l = 0; l < lanes; l += F.length()) {
      var wv = FloatVector.fromArray(F, w, l);
      var small = wv.lt(5f);
      FloatVector p;
      if (small.allTrue()) {
        // w >= 5 only where |u| > 0.9966: 95% of 16-lane vectors have no such lane, and skip the square root and the
        // blends (the same operations on every lane as below).
        var x = wv.sub(2.5f);
        p = FloatVector.broadcast(F, SMALL32[0]);
        for (int c = 1; c < SMALL32.length; c++) p = p.mul(x).add(SMALL32[c]);
      } else {
        var x = wv.lanewise(VectorOperators.SQRT).sub(3f).blend(wv.sub(2.5f), small);
        p = FloatVector.broadcast(F, BIG32[0]).blend(SMALL32[0], small);
        for (int c = 1; c < SMALL32.length; c++) {
          p = p.mul(x).add(FloatVector.broadcast(F, BIG32[c]).blend(SMALL32[c], small));
        }
      }
      p.mul(FloatVector.fromArray(F, u, l)).mul(SQRT2_32).intoArray(dst, off + l);
    }
  }

  /** The uniform in (−1, 1) that a word's top 23 bits give, as the composite computes it. */
  static float uniform32(int bits) {
    return ((float) (bits >>> 9) + 0.5f) * (float) 0x1p-22 - 1f;
  }

  /** The argument of the draw's logarithm, (1 − u)(1 + u), rounded to float as the graph does. */
  static float logArgument32(float u) {
    return (1f - u) * (1f + u);
  }

  /** The composite's normalFromBits in float32, op for op (each op rounds to float, as the graph does). */
  static float normal32(int bits) {
    float u = uniform32(bits);
    float w = -(float) Math.log(logArgument32(u));
    boolean small = w < 5f;
    float x = small ? w - 2.5f : (float) Math.sqrt(w) - 3f;
    float[] c = small ? SMALL32 : BIG32;
    float p = c[0];
    for (int i = 1; i < c.length; i++) p = p * x + c[i];
    return p * u * SQRT2_32;
  }

  /** The same in float64. */
  static double normal64(int bits) {
    double u = ((double) (bits >>> 9) + 0.5) * 0x1p-22 - 1.0;
    double w = -Math.log((1.0 - u) * (1.0 + u));
    boolean small = w < 5.0;
    double x = small ? w - 2.5 : Math.sqrt(w) - 3.0;
    double[] c = small ? SMALL : BIG;
    double p = c[0];
    for (int i = 1; i < c.length; i++) p = p * x + c[i];
    return p * u * Math.sqrt(2.0);
  }
}
