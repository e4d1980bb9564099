package dev.kiln.core.op;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.cpu.Arena;
import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.graph.Primitive;

/**
 * A primitive whose result element i depends only on element i of each operand (operands of the result's shape).
 * Its Java kernel works on index ranges of arrays, so the Java backend can run whole chains of such ops on
 * cache-sized chunks without materializing the intermediates (see {@code dev.kiln.core.cpu.Fusion}).
 */
public interface Elementwise extends Primitive {
  /**
   * Computes {@code n} results: {@code out[outOff + i] = f(in[k][inOff[k] + i], ...)}; arrays are of the dtypes'
   * Java types ({@code float[]}, {@code double[]}, {@code int[]}, {@code boolean[]}).
   */
  void evalRange(Object[] in, int[] inOff, DType[] inTypes, Object out, int outOff, int n, DType outType);

  /** The whole-tensor kernel: {@link #evalRange} over parallel chunks. */
  static Tensor evalAll(Elementwise op, CpuContext ctx, Tensor[] in, TensorType t) {
    int n = t.shape().size();
    Object out = Arena.uninitialized(t.dtype(), n);
    Object[] arrays = new Object[in.length];
    DType[] types = new DType[in.length];
    for (int k = 0; k < in.length; k++) {
      arrays[k] = in[k].array();
      types[k] = in[k].dtype();
    }
    ctx.parallelFor(n, 1 << 15, (s, e) -> {
      int[] offs = new int[arrays.length];
      java.util.Arrays.fill(offs, s);
      op.evalRange(arrays, offs, types, out, s, e - s, t.dtype());
    });
    return Tensor.wrap(t.dtype(), t.shape(), out);
  }
}
