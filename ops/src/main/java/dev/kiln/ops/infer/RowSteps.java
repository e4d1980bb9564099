package dev.kiln.ops.infer;

import dev.kiln.core.cpu.RowGemm;
import java.util.List;

/** Each plan node's step: a closure over its arrays, built once; running it allocates nothing. */
final class RowSteps {
  private RowSteps() {}

  static Runnable of(PlanNode n) {
    return switch (n.op) {
      case RowOp.Linear l -> linear(n, l);
      case RowOp.Affine a -> affine(n, a);
      case RowOp.Activation a -> activation(n, a.name());
      case RowOp.Merge m -> merge(n, m);
      case RowOp.Identity i -> activation(n, "linear");
      case RowOp.Kernel k -> {
        List<RowOp.Slice> in = n.in.stream().map(PlanNode::slice).toList();
        RowOp.Slice out = n.slice();
        yield () -> k.run(in, out);
      }
    };
  }

  /** A Dense on every step or a Conv1D: one GEMM whose A rows are read in place (or gathered, when dilated). */
  private static Runnable linear(PlanNode n, RowOp.Linear l) {
    PlanNode src = n.in.get(0);
    int k = l.taps() * l.in(), rows = n.size / l.out();
    RowGemm.Packed w = RowGemm.pack(l.kernel(), k, l.out(), n.biasTable != null ? n.biasTable : l.bias(), n.biasRows);
    float[] a = src.array, c = n.array;
    int aOff = src.offset - l.padBefore() * l.in(), lda = l.stride() * l.in(), cOff = n.offset, size = n.size;
    String act = l.activation();
    if (l.dilation() == 1) {
      return () -> {
        RowGemm.multiply(a, aOff, lda, rows, w, c, cOff, l.out());
        Activations.apply(act, c, cOff, size);
      };
    }
    float[] gathered = new float[rows * k];
    int in = l.in(), taps = l.taps(), step = l.dilation() * in;
    return () -> {
      for (int m = 0; m < rows; m++) {
        for (int j = 0; j < taps; j++) System.arraycopy(a, aOff + m * lda + j * step, gathered, (m * taps + j) * in, in);
      }
      RowGemm.multiply(gathered, 0, k, rows, w, c, cOff, l.out());
      Activations.apply(act, c, cOff, size);
    };
  }

  private static Runnable affine(PlanNode n, RowOp.Affine f) {
    int channels = f.scale().length, rows = n.size / channels;
    float[] s = new float[channels], t = new float[channels];
    for (int i = 0; i < channels; i++) {
      s[i] = (float) f.scale()[i];
      t[i] = (float) f.shift()[i];
    }
    PlanNode src = n.in.get(0);
    float[] a = src.array, c = n.array;
    int aOff = src.offset, cOff = n.offset;
    return () -> {
      for (int r = 0; r < rows; r++) {
        int o = r * channels;
        for (int i = 0; i < channels; i++) c[cOff + o + i] = a[aOff + o + i] * s[i] + t[i];
      }
    };
  }

  private static Runnable activation(PlanNode n, String name) {
    PlanNode src = n.in.get(0);
    float[] a = src.array, c = n.array;
    int aOff = src.offset, cOff = n.offset, size = n.size;
    return () -> {
      System.arraycopy(a, aOff, c, cOff, size);
      Activations.apply(name, c, cOff, size);
    };
  }

  private static Runnable merge(PlanNode n, RowOp.Merge m) {
    RowOp.Slice[] in = n.in.stream().map(PlanNode::slice).toArray(RowOp.Slice[]::new);
    float[] c = n.array;
    int cOff = n.offset, size = n.size;
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
