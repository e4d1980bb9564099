package dev.kiln.core.random;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.cpu.Arena;
import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.graph.Primitive;
import dev.kiln.core.graph.Value;
import dev.kiln.core.hlo.HloEmitter;
import java.util.Arrays;
import java.util.List;

/**
 * The random words of Kiln's Threefry stream for (key U32[2], counter U32[]) as one primitive: the same words as
 * {@link Threefry#bitsComposite}, the graph of some 90 integer primitives it stands for (dropout draws them). The
 * Java backend hashes the blocks in vector lanes and writes each block's two words straight to their places, where
 * interpreting the composite passes over the whole draw once per op. It lowers to {@link Threefry#bitsElementwise}:
 * the same words (tested), computed per element so that XLA fuses the draw into its consumer. No gradient flows.
 */
public record RandomBits(Shape shape) implements Primitive {
  @Override public String name() { return "random_bits"; }
  @Override public String attributes() { return "shape=" + shape; }

  @Override
  public TensorType inferType(List<TensorType> in) {
    if (!Threefry.keyAndCounter(in)) throw error(in, "expects a key U32[2] and a counter U32[]");
    return new TensorType(DType.U32, shape);
  }

  @Override
  public List<Value> vjp(Value out, Value g) {
    return Arrays.asList(null, null);
  }

  @Override
  public void lower(HloEmitter e, Value out) {
    Threefry.lowerAs(e, out, (key, counter) -> Threefry.bitsElementwise(key, counter, shape.dims()));
  }

  /** Word j of n (m = ⌈n/2⌉ blocks): block j's first word below m, block j − m's second from m on. */
  @Override
  public Tensor eval(CpuContext ctx, Tensor[] in, TensorType t) {
    Threefry.Stream stream = Threefry.Stream.of(in);
    int n = shape.size(), m = (n + 1) / 2;
    int[] out = (int[]) Arena.uninitialized(DType.U32, n);
    // With n odd the last block has no second word: the vector loop stops where a vector's second words would pass n.
    int whole = n % 2 == 0 ? m : m - 1;
    ctx.parallelFor(m, 8192, (s, e) -> {
      int vector = Threefry.LANES.length(), i = s;
      for (; i + vector <= Math.min(e, whole); i += vector) stream.blocks(i, out, i, out, m + i);
      int[] y = new int[2];
      for (; i < e; i++) {
        stream.block(i, y);
        out[i] = y[0];
        if (m + i < n) out[m + i] = y[1];
      }
    });
    return Tensor.wrap(DType.U32, shape, out);
  }
}
