package dev.kiln.core.op;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.cpu.Arena;
import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.cpu.Gemm;
import dev.kiln.core.cpu.Layout;
import dev.kiln.core.graph.Primitive;
import dev.kiln.core.graph.Value;
import dev.kiln.core.hlo.HloEmitter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code stablehlo.dot_general}: a batched tensor contraction. The result's dimensions are the batch dimensions
 * (in lhs order), then lhs free dimensions, then rhs free dimensions. The Java kernel reduces every case to a
 * batched GEMM, transposing an operand only when its dimensions are not already in (batch, rows, cols) order.
 */
public record DotGeneral(int[] lhsBatch, int[] rhsBatch, int[] lhsContract, int[] rhsContract) implements Primitive {
  @Override public String name() { return "dot_general"; }
  @Override public String attributes() {
    return "lhs_batching_dimensions=" + Arrays.toString(lhsBatch) + ", rhs_batching_dimensions="
        + Arrays.toString(rhsBatch) + ", lhs_contracting_dimensions=" + Arrays.toString(lhsContract)
        + ", rhs_contracting_dimensions=" + Arrays.toString(rhsContract);
  }

  /** Dimensions of a rank-r operand that are neither batch nor contracting, in order. */
  static int[] free(int rank, int[] batch, int[] contract) {
    boolean[] used = new boolean[rank];
    for (int d : batch) used[d] = true;
    for (int d : contract) used[d] = true;
    int[] f = new int[rank - batch.length - contract.length];
    for (int d = 0, k = 0; d < rank; d++) if (!used[d]) f[k++] = d;
    return f;
  }

  @Override
  public TensorType inferType(List<TensorType> in) {
    if (in.size() != 2) throw error(in, "expects 2 operands");
    TensorType l = in.get(0), r = in.get(1);
    if (l.dtype() != r.dtype() || !l.dtype().isFloating()) throw error(in, "operands must share a float type");
    if (lhsBatch.length != rhsBatch.length || lhsContract.length != rhsContract.length) {
      throw error(in, "batch and contracting dimension lists must pair up");
    }
    check(in, l.rank(), lhsBatch, lhsContract);
    check(in, r.rank(), rhsBatch, rhsContract);
    for (int i = 0; i < lhsBatch.length; i++) {
      if (l.dim(lhsBatch[i]) != r.dim(rhsBatch[i])) throw error(in, "batch dimension sizes differ");
    }
    for (int i = 0; i < lhsContract.length; i++) {
      if (l.dim(lhsContract[i]) != r.dim(rhsContract[i])) throw error(in, "contracting dimension sizes differ");
    }
    List<Integer> out = new ArrayList<>();
    for (int d : lhsBatch) out.add(l.dim(d));
    for (int d : free(l.rank(), lhsBatch, lhsContract)) out.add(l.dim(d));
    for (int d : free(r.rank(), rhsBatch, rhsContract)) out.add(r.dim(d));
    return new TensorType(l.dtype(), Shape.of(out.stream().mapToInt(Integer::intValue).toArray()));
  }

  private void check(List<TensorType> in, int rank, int[] batch, int[] contract) {
    boolean[] seen = new boolean[rank];
    for (int[] list : new int[][] {batch, contract}) {
      for (int d : list) {
        if (d < 0 || d >= rank || seen[d]) throw error(in, "dimension " + d + " out of range or repeated");
        seen[d] = true;
      }
    }
  }

  private static int[] seq(int from, int n) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) a[i] = from + i;
    return a;
  }

  private static int[] concat(int[]... parts) {
    return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
  }

  /** Contracting dims of {@code mine}, ordered by the ascending order of their partners in {@code theirs}. */
  private static int[] orderedByPartner(int[] mine, int[] theirs) {
    Integer[] idx = new Integer[mine.length];
    for (int i = 0; i < idx.length; i++) idx[i] = i;
    Arrays.sort(idx, (a, b) -> Integer.compare(theirs[a], theirs[b]));
    int[] r = new int[mine.length];
    for (int i = 0; i < r.length; i++) r[i] = mine[idx[i]];
    return r;
  }

  @Override
  public List<Value> vjp(Value out, Value g) {
    Value lhs = out.input(0), rhs = out.input(1);
    int nb = lhsBatch.length;
    int[] lFree = free(lhs.rank(), lhsBatch, lhsContract);
    int[] rFree = free(rhs.rank(), rhsBatch, rhsContract);
    int[] gBatch = seq(0, nb);
    int[] gLFree = seq(nb, lFree.length);
    int[] gRFree = seq(nb + lFree.length, rFree.length);
    // d lhs: contract g's rhs-free dims with rhs's free dims; result = [batch, lhs free, rhs contracting (sorted)].
    Value dl = Ops.dotGeneral(g, rhs, gBatch, rhsBatch, gRFree, rFree);
    int[] lOrder = concat(lhsBatch, lFree, orderedByPartner(lhsContract, rhsContract));
    dl = permuteTo(dl, lOrder);
    // d rhs: contract g's lhs-free dims with lhs's free dims; result = [batch, rhs free, lhs contracting (sorted)].
    Value dr = Ops.dotGeneral(g, lhs, gBatch, lhsBatch, gLFree, lFree);
    int[] rOrder = concat(rhsBatch, rFree, orderedByPartner(rhsContract, lhsContract));
    dr = permuteTo(dr, rOrder);
    return Arrays.asList(dl, dr);
  }

  /** {@code v}'s dimension k is operand dimension order[k]; transpose it into operand order. */
  private static Value permuteTo(Value v, int[] order) {
    int[] perm = Transpose.inverse(order);
    for (int i = 0; i < perm.length; i++) if (perm[i] != i) return Ops.transpose(v, perm);
    return v;
  }

  @Override
  public void lower(HloEmitter e, Value out) {
    StringBuilder b = new StringBuilder("dot_dimension_numbers = #stablehlo.dot<");
    List<String> parts = new ArrayList<>();
    if (lhsBatch.length > 0) {
      parts.add("lhs_batching_dimensions = " + HloEmitter.list(lhsBatch));
      parts.add("rhs_batching_dimensions = " + HloEmitter.list(rhsBatch));
    }
    parts.add("lhs_contracting_dimensions = " + HloEmitter.list(lhsContract));
    parts.add("rhs_contracting_dimensions = " + HloEmitter.list(rhsContract));
    b.append(String.join(", ", parts)).append('>');
    e.op(out, "dot_general", b.toString());
  }

  @Override
  public Tensor eval(CpuContext ctx, Tensor[] in, TensorType t) {
    Tensor l = in[0], r = in[1];
    int[] lFree = free(l.shape().rank(), lhsBatch, lhsContract);
    int[] rFree = free(r.shape().rank(), rhsBatch, rhsContract);
    int b = prod(l, lhsBatch), m = prod(l, lFree), k = prod(l, lhsContract), n = prod(r, rFree);
    Object c = Arena.uninitialized(t.dtype(), b * m * n);
    if (t.dtype() == DType.F32) {
      // A matrix-vector product (n = 1) reads A's rows as contiguous dot products: a transposed A is copied.
      Gemm.F32 a = matrices(ctx, l, lhsBatch, lFree, lhsContract, m, k, n > 1);
      Gemm.F32 bb = matrices(ctx, r, rhsBatch, rhsContract, rFree, k, n, true);
      for (int i = 0; i < b; i++) {
        Gemm.sgemm(ctx, m, n, k, new Gemm.F32(a.data(), i * m * k, a.rs(), a.cs()),
            new Gemm.F32(bb.data(), i * k * n, bb.rs(), bb.cs()), (float[]) c, i * m * n, n);
      }
    } else {
      Object a = Layout.arranged(ctx, l, concat(lhsBatch, lFree, lhsContract));
      Object bb = Layout.arranged(ctx, r, concat(rhsBatch, rhsContract, rFree));
      for (int i = 0; i < b; i++) {
        Gemm.dgemm(ctx, m, n, k, new Gemm.F64((double[]) a, i * m * k, k, 1),
            new Gemm.F64((double[]) bb, i * k * n, n, 1), (double[]) c, i * m * n, n);
      }
    }
    return Tensor.wrap(t.dtype(), t.shape(), c);
  }

  /**
   * A float32 operand as its batch of rows × cols matrices (the first batch's view): in place when it is stored in
   * that order, or, where {@code transposed} allows, with rows and columns swapped (a view the GEMM's packing reads: a
   * weight gradient's activations, a data gradient's weights); otherwise copied into that order.
   */
  private static Gemm.F32 matrices(CpuContext ctx, Tensor x, int[] batch, int[] rowDims, int[] colDims, int rows,
      int cols, boolean transposed) {
    if (isIdentity(concat(batch, rowDims, colDims))) return new Gemm.F32((float[]) x.array(), 0, cols, 1);
    if (transposed && isIdentity(concat(batch, colDims, rowDims))) {
      return new Gemm.F32((float[]) x.array(), 0, 1, rows);
    }
    return new Gemm.F32((float[]) Layout.arranged(ctx, x, concat(batch, rowDims, colDims)), 0, cols, 1);
  }

  private static boolean isIdentity(int[] order) {
    for (int i = 0; i < order.length; i++) if (order[i] != i) return false;
    return true;
  }

  private static int prod(Tensor x, int[] dims) {
    int p = 1;
    for (int d : dims) p *= x.shape().dim(d);
    return p;
  }
}
