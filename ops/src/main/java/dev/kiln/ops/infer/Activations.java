package dev.kiln.ops.infer;

import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The activations of {@link dev.kiln.ops.layers.Activation} on a float array in place, with the graph's formulas:
 * ReLU, sigmoid and swish in vectors (ReLU as max(x, 0), which keeps NaN as the graph's select does; the logistic
 * from the vector exponential, within a few float ulps of the Java backend's double-precision one), the rare ones
 * element by element as the Java backend computes them. Each element's result does not depend on the range it is in.
 */
public final class Activations {
  public static final List<String> SUPPORTED = List.of("linear", "relu", "sigmoid", "tanh", "elu", "gelu", "swish");

  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

  private Activations() {}

  /** Applies {@code name} to {@code a[off .. off + n)}. */
  public static void apply(String name, float[] a, int off, int n) {
    int e = off + n;
    switch (name) {
      case "linear" -> { }
      case "relu" -> relu(a, off, e);
      case "sigmoid" -> logistic(a, off, e, false);
      case "tanh" -> { for (int i = off; i < e; i++) a[i] = (float) Math.tanh(a[i]); }
      case "elu" -> { for (int i = off; i < e; i++) a[i] = a[i] > 0f ? a[i] : (float) Math.exp(Math.min(a[i], 0f)) - 1f; }
      case "gelu" -> { for (int i = off; i < e; i++) a[i] = gelu(a[i]); }
      case "swish" -> logistic(a, off, e, true);
      default -> throw new IllegalArgumentException("no activation '" + name + "'; supported: " + SUPPORTED);
    }
  }

  private static void relu(float[] a, int off, int e) {
    int i = off;
    for (int end = off + S.loopBound(e - off); i < end; i += S.length()) {
      FloatVector.fromArray(S, a, i).lanewise(VectorOperators.MAX, 0f).intoArray(a, i);
    }
    for (; i < e; i++) a[i] = a[i] <= 0f ? 0f : a[i];
  }

  /**
   * 1 / (1 + exp(−x)), times x for swish; the last lanes under a mask, so that every element gets the same vector
   * arithmetic wherever a range starts (a window that slides recomputes some rows alone).
   */
  private static void logistic(float[] a, int off, int e, boolean times) {
    FloatVector one = FloatVector.broadcast(S, 1f);
    for (int i = off; i < e; i += S.length()) {
      VectorMask<Float> m = S.indexInRange(i, e);
      FloatVector x = FloatVector.fromArray(S, a, i, m);
      FloatVector s = one.div(one.add(x.neg().lanewise(VectorOperators.EXP)));
      (times ? x.mul(s) : s).intoArray(a, i, m);
    }
  }

  /** 0.5·x·(1 + erf(x/√2)), erf by Abramowitz and Stegun 7.1.26 as the layer traces it. */
  private static float gelu(float x) {
    float u = x * (float) Math.sqrt(0.5), a = Math.abs(u);
    float t = 1f / (a * 0.3275911f + 1f);
    float poly = ((((t * 1.061405429f - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) * t;
    float erf = Math.signum(u) * (1f - poly * (float) Math.exp(-(a * a)));
    return x * (erf + 1f) * 0.5f;
  }
}
