package dev.kiln.ops;

import static org.junit.jupiter.api.Assertions.fail;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.backend.DeviceArray;
import dev.kiln.core.backend.Executable;
import dev.kiln.core.cpu.JavaBackend;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks one element of an analytic gradient against finite differences of a float64 loss.
 *
 * <p>The central difference with step h must match. The one exception is a kink (ReLU, |x|, max) within h of the
 * point, where the central difference mixes two slopes: then the central difference with a step ten or a hundred
 * times smaller, which the kink is most likely outside, must match as tightly. The float64 loss keeps rounding at
 * the smallest step near 1e-8, well inside the tolerance.
 */
final class FiniteDifference {
  static final double STEP = 1e-6;
  private static final double[] SMALLER_STEPS = {1e-7, 1e-8};

  private final JavaBackend backend;
  private final Executable loss;
  private final Tensor[] args;

  FiniteDifference(JavaBackend backend, Executable loss, Tensor[] args) {
    this.backend = backend;
    this.loss = loss;
    this.args = args;
  }

  /** Asserts that {@code analytic} is d loss / d args[arg][j]; {@code what} names the element in the failure. */
  void check(int arg, int j, double analytic, String what) {
    double central = central(arg, j, STEP);
    if (close(analytic, central)) return;
    StringBuilder smaller = new StringBuilder();
    for (double h : SMALLER_STEPS) {
      double c = central(arg, j, h);
      if (close(analytic, c)) return;
      smaller.append(", ").append(c).append(" at step ").append(h);
    }
    fail(what + ": analytic " + analytic + " vs finite difference " + central + smaller);
  }

  private double central(int arg, int j, double h) {
    return (lossWith(arg, j, h) - lossWith(arg, j, -h)) / (2 * h);
  }

  private static boolean close(double analytic, double fd) {
    return Math.abs(fd - analytic) <= 1e-6 + 1e-5 * Math.abs(fd);
  }

  private double lossWith(int arg, int j, double delta) {
    List<DeviceArray> a = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      Tensor v = args[i];
      if (i == arg) {
        double[] d = v.doubles().clone();
        d[j] += delta;
        v = Tensor.wrap(DType.F64, v.shape(), d);
      }
      a.add(backend.put(v));
    }
    return backend.get(loss.run(a).get(0)).item();
  }
}
