package dev.kiln.core.random;

import dev.kiln.core.Flags;
import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import dev.kiln.core.hlo.HloEmitter;
import dev.kiln.core.op.Ops;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import java.util.List;
import java.util.function.BinaryOperator;

/**
 * Counter-based random numbers written with Kiln's integer primitives, so every backend draws the same bits:
 * the Threefry-2x32 block cipher (20 rounds, as in Random123 and JAX) keyed by a 64-bit seed, applied to the
 * blocks (counter, i) for the elements i of a draw. A training step passes its step number as the counter, so each
 * step draws fresh numbers from one compiled graph and a run is reproducible from its seed.
 */
public final class Threefry {
  private Threefry() {}

  private static final int[][] ROTATIONS = {{13, 15, 26, 6}, {17, 29, 16, 24}};
  static final int PARITY = 0x1BD11BDA;

  /** The key pair (high, low 32 bits of the seed) as a U32[2] constant. */
  public static Value key(Tracer t, long seed) {
    return t.constant(Tensor.ofUnsigned(new int[] {(int) (seed >>> 32), (int) seed}, 2));
  }

  /** The 20-round Threefry-2x32 of blocks (x0, x1) under key (k0, k1); keys are U32 scalars, blocks U32 arrays. */
  public static Value[] hash(Value k0, Value k1, Value x0, Value x1) {
    int[] dims = x0.shape().dims();
    Value ks2 = Ops.xor(Ops.xor(k0, k1), u32(k0, PARITY));
    Value[] ks = {k0, k1, ks2};
    // Scalars are broadcast once and reused by every round: the graph stays small and the Java backend does not
    // materialize the same constant array dozens of times.
    Value[] ksB = new Value[3];
    for (int i = 0; i < 3; i++) ksB[i] = Ops.broadcastTo(ks[i], dims);
    final Value anchor = x0;
    java.util.Map<Integer, Value[]> rot = new java.util.HashMap<>();
    for (int[] set : ROTATIONS) {
      for (int r : set) {
        rot.computeIfAbsent(r, k -> new Value[] {Ops.broadcastTo(u32(anchor, k), dims),
            Ops.broadcastTo(u32(anchor, 32 - k), dims)});
      }
    }
    x0 = Ops.add(x0, ksB[0]);
    x1 = Ops.add(x1, ksB[1]);
    for (int group = 0; group < 5; group++) {
      for (int r : ROTATIONS[group % 2]) {
        x0 = Ops.add(x0, x1);
        Value[] amounts = rot.get(r);
        x1 = Ops.or(Ops.shiftLeft(x1, amounts[0]), Ops.shiftRightLogical(x1, amounts[1]));
        x1 = Ops.xor(x1, x0);
      }
      int j = group + 1;
      x0 = Ops.add(x0, ksB[j % 3]);
      x1 = Ops.add(x1, Ops.broadcastTo(Ops.add(ks[(j + 1) % 3], u32(k0, j)), dims));
    }
    return new Value[] {x0, x1};
  }

  private static Value u32(Value like, int v) {
    return like.tracer().constant(Tensor.wrap(DType.U32, Shape.scalar(), new int[] {v}));
  }

  /**
   * {@code shape}-many random U32 words for (key, counter): key is U32[2], counter a U32 scalar (a constant or a
   * graph input such as the step number). One {@link RandomBits} primitive (a vector loop on the Java backend).
   */
  public static Value bits(Value key, Value counter, int... shape) {
    if (COMPOSITE) return bitsComposite(key, counter, shape);
    return key.tracer().apply(new RandomBits(Shape.of(shape)), key, counter);
  }

  /**
   * The graph {@link RandomBits} stands for: the blocks (counter, i) for i below m = ⌈n/2⌉, their first words then
   * their second words, cut to n.
   */
  public static Value bitsComposite(Value key, Value counter, int... shape) {
    Tracer t = key.tracer();
    int n = Shape.of(shape).size();
    int m = (n + 1) / 2;
    Value k0 = Ops.reshape(Ops.sliceAxis(key, 0, 0, 1));
    Value k1 = Ops.reshape(Ops.sliceAxis(key, 0, 1, 2));
    Value x0 = Ops.broadcastTo(counter, m);
    Value x1 = Ops.iota(t, new TensorType(DType.U32, Shape.of(m)), 0);
    Value[] y = hash(k0, k1, x0, x1);
    Value all = Ops.concatenate(0, List.of(y[0], y[1]));
    if (2 * m != n) all = Ops.sliceAxis(all, 0, 0, n);
    return Ops.reshape(all, shape);
  }

  /**
   * The key of a separate stream: Threefry of the block (salt, 0) under {@code key}. Layers that draw (dropout) use
   * their own, so their numbers are independent of other layers' at the same counter.
   */
  public static Value derive(Value key, int salt) {
    Tracer t = key.tracer();
    Value k0 = Ops.reshape(Ops.sliceAxis(key, 0, 0, 1));
    Value k1 = Ops.reshape(Ops.sliceAxis(key, 0, 1, 2));
    Value x0 = t.constant(Tensor.ofUnsigned(new int[] {salt}, 1));
    Value x1 = t.constant(Tensor.ofUnsigned(new int[] {0}, 1));
    Value[] y = hash(k0, k1, x0, x1);
    return Ops.concatenate(0, List.of(y[0], y[1]));
  }

  /** Uniform draws in [0, 1) with 24 random bits each. */
  public static Value uniform(Value key, Value counter, DType dtype, int... shape) {
    Value b = Ops.shiftRightLogical(bits(key, counter, shape), u32(key, 8));
    return Ops.convert(b, dtype).mul(0x1p-24);
  }

  /**
   * Standard normal draws: √2 · erfinv(u) for u uniform in the open interval (−1, 1), as one {@link RandomNormal}
   * primitive (a fused loop on the Java backend; the composite below in StableHLO).
   */
  public static Value normal(Value key, Value counter, DType dtype, int... shape) {
    if (COMPOSITE) return normalComposite(key, counter, dtype, shape);
    return key.tracer().apply(new RandomNormal(Shape.of(shape), dtype), key, counter);
  }

  /** {@code KILN_RNG_COMPOSITE=1}: the composites instead of the fused primitives (same numbers), for A/B timing. */
  private static final boolean COMPOSITE = Flags.RNG_COMPOSITE.isSet();

  /** The graph {@link RandomNormal} stands for: the bits of {@link #bits}, then {@link #normalFromBits}. */
  public static Value normalComposite(Value key, Value counter, DType dtype, int... shape) {
    return normalFromBits(bitsComposite(key, counter, shape), dtype);
  }

  /**
   * The same words as {@link #bits}, computed elementwise: element j (of n, m = ⌈n/2⌉) hashes the block
   * (counter, j mod m) and keeps word 0 below m, word 1 from m on. That hashes each block twice instead of once, but
   * no concatenate separates the hash from its consumer, so XLA fuses the draw into it and never writes the words to
   * memory: the same work as JAX's Threefry, which hashes once per element. Used by {@link RandomNormal}'s lowering.
   */
  public static Value bitsElementwise(Value key, Value counter, int... shape) {
    Tracer t = key.tracer();
    int n = Shape.of(shape).size();
    int m = (n + 1) / 2;
    Value k0 = Ops.reshape(Ops.sliceAxis(key, 0, 0, 1));
    Value k1 = Ops.reshape(Ops.sliceAxis(key, 0, 1, 2));
    Value j = Ops.iota(t, new TensorType(DType.U32, Shape.of(n)), 0);
    Value mB = Ops.broadcastTo(u32(key, m), n);
    Value second = Ops.compare(j, Ops.Cmp.GE, mB);
    Value i = Ops.select(second, j.sub(mB), j);
    Value[] y = hash(k0, k1, Ops.broadcastTo(counter, n), i);
    return Ops.reshape(Ops.select(second, y[1], y[0]), shape);
  }

  /** {@link #normalComposite} over {@link #bitsElementwise}: the same numbers, fusible in XLA. */
  public static Value normalElementwise(Value key, Value counter, DType dtype, int... shape) {
    return normalFromBits(bitsElementwise(key, counter, shape), dtype);
  }

  /**
   * One Threefry-2x32 block, (counter, i) under (k0, k1) with k2 the key parity, into {@code y}: the scalar form of
   * {@link #hash}, for fused kernels. Same rounds, rotations and key injections.
   */
  static void block(int k0, int k1, int k2, int counter, int i, int[] y) {
    int x0 = counter + k0, x1 = i + k1;
    // Five groups of four rounds, unrolled; after group j (1..5) the key words ks[j % 3] and ks[(j + 1) % 3] + j.
    x0 += x1; x1 = Integer.rotateLeft(x1, 13) ^ x0; x0 += x1; x1 = Integer.rotateLeft(x1, 15) ^ x0;
    x0 += x1; x1 = Integer.rotateLeft(x1, 26) ^ x0; x0 += x1; x1 = Integer.rotateLeft(x1, 6) ^ x0;
    x0 += k1; x1 += k2 + 1;
    x0 += x1; x1 = Integer.rotateLeft(x1, 17) ^ x0; x0 += x1; x1 = Integer.rotateLeft(x1, 29) ^ x0;
    x0 += x1; x1 = Integer.rotateLeft(x1, 16) ^ x0; x0 += x1; x1 = Integer.rotateLeft(x1, 24) ^ x0;
    x0 += k2; x1 += k0 + 2;
    x0 += x1; x1 = Integer.rotateLeft(x1, 13) ^ x0; x0 += x1; x1 = Integer.rotateLeft(x1, 15) ^ x0;
    x0 += x1; x1 = Integer.rotateLeft(x1, 26) ^ x0; x0 += x1; x1 = Integer.rotateLeft(x1, 6) ^ x0;
    x0 += k0; x1 += k1 + 3;
    x0 += x1; x1 = Integer.rotateLeft(x1, 17) ^ x0; x0 += x1; x1 = Integer.rotateLeft(x1, 29) ^ x0;
    x0 += x1; x1 = Integer.rotateLeft(x1, 16) ^ x0; x0 += x1; x1 = Integer.rotateLeft(x1, 24) ^ x0;
    x0 += k1; x1 += k2 + 4;
    x0 += x1; x1 = Integer.rotateLeft(x1, 13) ^ x0; x0 += x1; x1 = Integer.rotateLeft(x1, 15) ^ x0;
    x0 += x1; x1 = Integer.rotateLeft(x1, 26) ^ x0; x0 += x1; x1 = Integer.rotateLeft(x1, 6) ^ x0;
    x0 += k2; x1 += k0 + 5;
    y[0] = x0;
    y[1] = x1;
  }

  /**
   * One stream as a draw primitive's inputs (key U32[2], counter U32[]) give it on the Java backend: the key
   * schedule's three words and the counter, for {@link #block} and {@link #blocks}.
   */
  record Stream(int k0, int k1, int k2, int counter) {
    static Stream of(Tensor[] in) {
      int[] key = in[0].ints();
      return new Stream(key[0], key[1], key[0] ^ key[1] ^ PARITY, in[1].ints()[0]);
    }

    void block(int i, int[] y) {
      Threefry.block(k0, k1, k2, counter, i, y);
    }

    void blocks(int i0, int[] y0, int at0, int[] y1, int at1) {
      Threefry.blocks(k0, k1, k2, counter, i0, y0, at0, y1, at1);
    }
  }

  /** Whether a draw primitive's inputs are a key U32[2] and a counter U32[]. */
  static boolean keyAndCounter(List<TensorType> in) {
    return in.size() == 2 && in.get(0).equals(new TensorType(DType.U32, Shape.of(2)))
        && in.get(1).equals(new TensorType(DType.U32, Shape.scalar()));
  }

  /** Lowers a draw primitive as the graph {@code composite} traces from a key and a counter. */
  static void lowerAs(HloEmitter e, Value out, BinaryOperator<Value> composite) {
    Tracer t = new Tracer();
    Value key = t.parameter("key", DType.U32, 2), counter = t.parameter("counter", DType.U32);
    e.inline(out, t.build(composite.apply(key, counter)));
  }

  /** The integer vector shape {@link #blocks} computes at once. */
  static final VectorSpecies<Integer> LANES = IntVector.SPECIES_PREFERRED;

  /**
   * {@link #block} for the block indices i0, i0+1, ... i0+LANES−1 at once, in vector lanes: the same integer
   * arithmetic (wrapping adds, rotations, xors), so the same words; y0 receives the blocks' first words from index
   * {@code at0}, y1 their second words from {@code at1}.
   */
  static void blocks(int k0, int k1, int k2, int counter, int i0, int[] y0, int at0, int[] y1, int at1) {
    IntVector x0 = IntVector.broadcast(LANES, counter + k0);
    IntVector x1 = IntVector.broadcast(LANES, i0 + k1).add(IntVector.zero(LANES).addIndex(1));
    for (int group = 1; group <= 5; group++) {
      for (int r : ROTATIONS[(group - 1) % 2]) {
        x0 = x0.add(x1);
        x1 = x1.lanewise(VectorOperators.ROL, r).lanewise(VectorOperators.XOR, x0);
      }
      // After group j the key words ks[j % 3] and ks[(j + 1) % 3] + j, with ks = (k0, k1, k2).
      x0 = x0.add(keyWord(k0, k1, k2, group % 3));
      x1 = x1.add(keyWord(k0, k1, k2, (group + 1) % 3) + group);
    }
    x0.intoArray(y0, at0);
    x1.intoArray(y1, at1);
  }

  private static int keyWord(int k0, int k1, int k2, int i) {
    return i == 0 ? k0 : i == 1 ? k1 : k2;
  }

  /**
   * Normal draws from random words. u = (k + ½)·2^-22 − 1 with k the top 23 bits, so k + ½ is exact in float32
   * and u stays strictly inside (−1, 1) (with 24 bits, k + ½ rounds up to 2^24 for the largest k and u reaches 1,
   * where erfinv is infinite).
   */
  static Value normalFromBits(Value bits, DType dtype) {
    Value k = Ops.shiftRightLogical(bits, u32(bits, 9));
    Value u = Ops.convert(k, dtype).add(0.5).mul(0x1p-22).sub(1.0);
    return erfinv(u).mul(Math.sqrt(2.0));
  }

  /** erfinv on (−1, 1) by Giles' single-precision rational approximation, branch-free with select. */
  static Value erfinv(Value x) {
    Value one = Ops.constantLike(x, 1.0);
    Value w = Ops.neg(Ops.log(one.sub(x).mul(one.add(x))));
    Value small = w.sub(2.5);
    Value p1 = poly(small, 2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
        -0.00125372503, -0.00417768164, 0.246640727, 1.50140941);
    Value big = Ops.sqrt(w).sub(3.0);
    Value p2 = poly(big, -0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
        -0.0076224613, 0.00943887047, 1.00167406, 2.83297682);
    Value p = Ops.select(Ops.compare(w, Ops.Cmp.LT, Ops.constantLike(w, 5.0)), p1, p2);
    return p.mul(x);
  }

  private static Value poly(Value w, double... c) {
    Value p = Ops.broadcastTo(Ops.constantLike(w, c[0]), w.shape().dims());
    for (int i = 1; i < c.length; i++) p = p.mul(w).add(c[i]);
    return p;
  }
}
