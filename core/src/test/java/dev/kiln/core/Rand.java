package dev.kiln.core;

import java.util.Random;

/**
 * Seeded random test inputs. Each test class draws a fresh seed per run (so repeated runs explore new inputs) and
 * puts it in every failure message, so a failure can be replayed with -Dkiln.test.seed=N.
 */
public final class Rand {
  public final long seed;
  public final Random random;

  public Rand() {
    String fixed = System.getProperty("kiln.test.seed");
    this.seed = fixed != null ? Long.parseLong(fixed) : new Random().nextLong();
    this.random = new Random(seed);
  }

  public double[] uniform(int n, double lo, double hi) {
    double[] a = new double[n];
    for (int i = 0; i < n; i++) a[i] = lo + (hi - lo) * random.nextDouble();
    return a;
  }

  /** Values of magnitude in [lo, hi] with random sign. */
  public double[] awayFromZero(int n, double lo, double hi) {
    double[] a = uniform(n, lo, hi);
    for (int i = 0; i < n; i++) if (random.nextBoolean()) a[i] = -a[i];
    return a;
  }

  public Tensor f64(double lo, double hi, int... dims) {
    return Tensor.wrap(DType.F64, Shape.of(dims), uniform(Shape.of(dims).size(), lo, hi));
  }

  public Tensor f32(double lo, double hi, int... dims) {
    double[] d = uniform(Shape.of(dims).size(), lo, hi);
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
    return Tensor.wrap(DType.F32, Shape.of(dims), f);
  }

  public Tensor pred(int... dims) {
    boolean[] b = new boolean[Shape.of(dims).size()];
    for (int i = 0; i < b.length; i++) b[i] = random.nextBoolean();
    return Tensor.wrap(DType.PRED, Shape.of(dims), b);
  }

  public String tag() {
    return " [seed " + seed + "; replay with -Dkiln.test.seed=" + seed + "]";
  }
}
