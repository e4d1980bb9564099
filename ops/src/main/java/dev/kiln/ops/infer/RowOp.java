package dev.kiln.ops.infer;

import java.util.List;

/**
 * What a layer is at inference, for a {@link RowPlan}: the few forms the planner folds, fuses and runs without a
 * graph. A layer gives its form from {@link dev.kiln.ops.Layer#rowOp}; a layer that gives none runs as its own small
 * compiled graph ({@link GraphKernel}), correct but not allocation-free.
 */
public sealed interface RowOp {
  /** The input, Dropout, GaussianNoise, Flatten: the same floats under the node's shape. */
  record Identity() implements RowOp {}

  /** y = x·scale + shift along the last axis (batch normalization from its moving statistics, Normalization). */
  record Affine(double[] scale, double[] shift) implements RowOp {}

  /**
   * A Dense (taps 1, applied at every step) or a Conv1D (channels last) with a kernel [taps, in, out] row-major, a
   * bias [out] (zeros when the layer has none), a stride, a dilation, the zero padding before and after the steps, and
   * an activation.
   */
  record Linear(float[] kernel, float[] bias, int taps, int in, int out, int stride, int dilation, int padBefore,
      int padAfter, String activation) implements RowOp {
    public static Linear dense(float[] kernel, float[] bias, int in, int out, String activation) {
      return new Linear(kernel, bias, 1, in, out, 1, 1, 0, 0, activation);
    }
  }

  /** One of {@link Activations#SUPPORTED}, elementwise. */
  record Activation(String name) implements RowOp {}

  /** The elementwise sum or product of inputs of one shape, then an activation. */
  record Merge(boolean product, String activation) implements RowOp {}

  /**
   * Any other loop over small arrays (concatenation, pooling, layer normalization): reads its inputs, writes its
   * output; it must not allocate.
   */
  non-sealed interface Kernel extends RowOp {
    void run(List<Slice> inputs, Slice output);
  }

  /** A node's floats: {@code size} of them from {@code array[offset]}, row-major in the node's shape. */
  record Slice(float[] array, int offset, int[] shape) {
    public int size() {
      int n = 1;
      for (int d : shape) n *= d;
      return n;
    }
  }
}
