package dev.kiln.ops.infer;

import dev.kiln.core.cpu.RowGemm;
import java.util.List;

/**
 * Each plan node's step: a closure over its arrays, built once; running it allocates nothing. A step covers the
 * node's rows {@code lo .. hi} (all of them for a full run; the changed ones when a window slides): a row is an output
 * row of a linear step, and {@code rowSize} floats of an elementwise one.
 */
final class RowSteps {
  private RowSteps() {}

  static Runnable of(PlanNode n) {
    return of(n, 0, rows(n));
  }

  /** The rows a step computes: a linear step's output rows, else the node's first dimension (1 for a vector). */
  static int rows(PlanNode n) {
    if (n.op instanceof RowOp.Linear l) return n.size / l.out();
    return n.shape.length == 2 ? n.shape[0] : 1;
  }

  static Runnable of(PlanNode n, int lo, int hi) {
    int row = n.size / rows(n), e0 = lo * row, e1 = hi * row;
    return switch (n.op) {
      case RowOp.Linear l -> linear(n, l, lo, hi);
      case RowOp.Affine a -> affine(n, a, e0, e1);
      case RowOp.Activation a -> activation(n, a.name(), e0, e1);
      case RowOp.Merge m -> merge(n, m, e0, e1);
      case RowOp.Identity i -> activation(n, "linear", e0, e1);
      case RowOp.Kernel k -> {
        List<RowOp.Slice> in = n.in.stream().map(PlanNode::slice).toList();
        RowOp.Slice out = n.slice();
        yield () -> k.run(in, out);
      }
    };
  }

  /**
   * A Dense on every step or a Conv1D, output rows lo .. hi: one GEMM whose A rows are read in place (or gathered,
   * when dilated). The weights are packed once per node and shared by its steps.
   */
  private static Runnable linear(PlanNode n, RowOp.Linear l, int lo, int hi) {
    PlanNode src = n.in.get(0);
    int k = l.taps() * l.in(), rows = hi - lo, out = l.out();
    if (n.packed == null) {
      n.packed = RowGemm.pack(l.kernel(), k, out, n.biasTable != null ? n.biasTable : l.bias(), n.biasRows);
    }
    RowGemm.Packed w = n.packed;
    float[] a = src.array, c = n.array;
    int lda = l.stride() * l.in(), aOff = src.offset - l.padBefore() * l.in() + lo * lda;
    int cOff = n.offset + lo * out, size = rows * out, row0 = n.biasRows == 1 ? 0 : lo;
    String act = l.activation();
    if (l.dilation() == 1) {
      return () -> {
        RowGemm.multiply(a, aOff, lda, rows, w, c, cOff, out, row0);
        Activations.apply(act, c, cOff, size);
      };
    }
    float[] gathered = new float[rows * k];
    int in = l.in(), taps = l.taps(), step = l.dilation() * in;
    return () -> {
      for (int m = 0; m < rows; m++) {
        for (int j = 0; j < taps; j++) System.arraycopy(a, aOff + m * lda + j * step, gathered, (m * taps + j) * in, in);
      }
      RowGemm.multiply(gathered, 0, k, rows, w, c, cOff, out, row0);
      Activations.apply(act, c, cOff, size);
    };
  }

  private static Runnable affine(PlanNode n, RowOp.Affine f, int e0, int e1) {
    int channels = f.scale().length, r0 = e0 / channels, r1 = e1 / channels;
    float[] s = new float[channels], t = new float[channels];
    for (int i = 0; i < channels; i++) {
      s[i] = (float) f.scale()[i];
      t[i] = (float) f.shift()[i];
    }
    PlanNode src = n.in.get(0);
    float[] a = src.array, c = n.array;
    int aOff = src.offset, cOff = n.offset;
    return () -> {
      for (int r = r0; r < r1; r++) {
        int o = r * channels;
        for (int i = 0; i < channels; i++) c[cOff + o + i] = a[aOff + o + i] * s[i] + t[i];
      }
    };
  }

  private static Runnable activation(PlanNode n, String name, int e0, int e1) {
    PlanNode src = n.in.get(0);
    float[] a = src.array, c = n.array;
    int aOff = src.offset + e0, cOff = n.offset + e0, size = e1 - e0;
    return () -> {
      System.arraycopy(a, aOff, c, cOff, size);
      Activations.apply(name, c, cOff, size);
    };
  }

  private static Runnable merge(PlanNode n, RowOp.Merge m, int e0, int e1) {
    RowOp.Slice[] in = n.in.stream().map(p -> new RowOp.Slice(p.array, p.offset + e0, p.shape)).toArray(RowOp.Slice[]::new);
    float[] c = n.array;
    int cOff = n.offset + e0, size = e1 - e0;
    boolean product = m.product();
    String act = m.activation();
    return () -> {
      System.arraycopy(in[0].array(), in[0].offset(), c, cOff, size);
      for (int j = 1; j < in.length; j++) {
        float[] a = in[j].array();
        int aOff = in[j].offset();
        if (product) for (int i = 0; i < size; i++) c[cOff + i] *= a[aOff + i];
        else for (int i = 0; i < size; i++) c[cOff + i] += a[aOff + i];
      }
      Activations.apply(act, c, cOff, size);
    };
  }
}
