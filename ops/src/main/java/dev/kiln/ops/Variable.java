package dev.kiln.ops;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.util.SplittableRandom;

/**
 * A model variable, named as Keras names it ({@code <layer>/<variable>}, e.g. {@code conv1d/kernel}), with its
 * shape, whether the optimizer trains it, and how it starts.
 */
public record Variable(String name, Shape shape, boolean trainable, Initializer init) {

  /** How a variable's first value is drawn. */
  public sealed interface Initializer {
    Tensor create(Shape shape, SplittableRandom random);
  }

  /** A constant fill (zeros for biases, beta and moving means; ones for gamma and moving variances). */
  public record Fill(float value) implements Initializer {
    @Override
    public Tensor create(Shape shape, SplittableRandom random) {
      return Tensor.full(new dev.kiln.core.TensorType(DType.F32, shape), value);
    }
  }

  /** Glorot uniform: U[−L, L] with L = √(6 / (fanIn + fanOut)), Keras's default for kernels. */
  public record GlorotUniform(int fanIn, int fanOut) implements Initializer {
    @Override
    public Tensor create(Shape shape, SplittableRandom random) {
      double limit = Math.sqrt(6.0 / (fanIn + fanOut));
      float[] a = new float[shape.size()];
      for (int i = 0; i < a.length; i++) a[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
      return Tensor.wrap(DType.F32, shape, a);
    }
  }

  public int size() {
    return shape.size();
  }
}
