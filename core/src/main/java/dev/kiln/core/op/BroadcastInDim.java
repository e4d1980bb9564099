package dev.kiln.core.op;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.cpu.Layout;
import dev.kiln.core.graph.Primitive;
import dev.kiln.core.graph.Value;
import dev.kiln.core.hlo.HloEmitter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code stablehlo.broadcast_in_dim}: operand dimension i becomes output dimension dims[i] (size equal, or 1 to be
 * repeated); output dimensions not named in dims repeat the operand.
 */
public record BroadcastInDim(Shape outShape, int[] dims) implements Primitive {
  @Override public String name() { return "broadcast_in_dim"; }
  @Override public String attributes() { return "shape=" + outShape + ", broadcast_dimensions=" + Arrays.toString(dims); }

  @Override
  public TensorType inferType(List<TensorType> in) {
    if (in.size() != 1) throw error(in, "expects 1 operand");
    Shape s = in.get(0).shape();
    if (dims.length != s.rank()) throw error(in, "broadcast_dimensions must name every operand dimension");
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] < 0 || dims[i] >= outShape.rank()) throw error(in, "broadcast dimension out of range");
      for (int j = 0; j < i; j++) if (dims[j] == dims[i]) throw error(in, "broadcast dimensions repeat");
      if (s.dim(i) != 1 && s.dim(i) != outShape.dim(dims[i])) {
        throw error(in, "operand dimension " + i + " (" + s.dim(i) + ") neither 1 nor " + outShape.dim(dims[i]));
      }
    }
    return new TensorType(in.get(0).dtype(), outShape);
  }

  @Override
  public List<Value> vjp(Value out, Value g) {
    Shape s = out.input(0).shape();
    List<Integer> reduce = new ArrayList<>();
    boolean[] mapped = new boolean[outShape.rank()];
    for (int i = 0; i < dims.length; i++) {
      mapped[dims[i]] = true;
      if (s.dim(i) == 1 && outShape.dim(dims[i]) != 1) reduce.add(dims[i]);
    }
    for (int d = 0; d < outShape.rank(); d++) if (!mapped[d]) reduce.add(d);
    Value r = reduce.isEmpty() ? g : Ops.sum(g, reduce.stream().mapToInt(Integer::intValue).toArray());
    // The kept output dimensions, in output order, correspond to operand dimensions in the order of dims.
    List<Integer> keptOperandDims = new ArrayList<>();
    for (int d = 0; d < outShape.rank(); d++) {
      if (reduce.contains(d)) continue;
      for (int i = 0; i < dims.length; i++) if (dims[i] == d) keptOperandDims.add(i);
    }
    int[] perm = new int[keptOperandDims.size()];
    Integer[] order = keptOperandDims.toArray(new Integer[0]);
    Integer[] sorted = order.clone();
    Arrays.sort(sorted);
    boolean identity = true;
    for (int k = 0; k < perm.length; k++) {
      perm[k] = Arrays.asList(order).indexOf(sorted[k]);
      identity &= perm[k] == k;
    }
    if (!identity) r = Ops.transpose(r, perm);
    return Arrays.asList(Ops.reshape(r, s.dims()));
  }

  @Override
  public void lower(HloEmitter e, Value out) {
    e.op(out, "broadcast_in_dim", "broadcast_dimensions = " + HloEmitter.i64Array(dims));
  }

  @Override
  public Tensor eval(CpuContext ctx, Tensor[] in, TensorType t) {
    Shape s = in[0].shape();
    int[] inStrides = s.strides();
    int[] st = new int[outShape.rank()];
    for (int i = 0; i < dims.length; i++) st[dims[i]] = s.dim(i) == 1 ? 0 : inStrides[i];
    return Tensor.wrap(t.dtype(), outShape, Layout.gather(ctx, t.dtype(), in[0].array(), 0, outShape.dims(), st));
  }
}
