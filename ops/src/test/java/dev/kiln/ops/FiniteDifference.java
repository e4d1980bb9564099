package dev.kiln.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * point: there the left and right slopes differ by far more than their O(h) truncation, and the analytic gradient,
 * the derivative of the piece the point lies on, must match one of them as tightly as it would match the central
 * difference.
 */
final class FiniteDifference {
  static final double STEP = 1e-6;

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
    double up = lossWith(arg, j, STEP), down = lossWith(arg, j, -STEP);
    double central = (up - down) / (2 * STEP);
    if (close(analytic, central)) return;
    double here = lossWith(arg, j, 0);
    double right = (up - here) / STEP, left = (here - down) / STEP;
    boolean kink = Math.abs(right - left) > 1e-4 * (1 + Math.abs(central));
    assertTrue(kink && (close(analytic, left) || close(analytic, right)), what + ": analytic " + analytic
        + " vs finite difference " + central + " (left " + left + ", right " + right + ")");
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
