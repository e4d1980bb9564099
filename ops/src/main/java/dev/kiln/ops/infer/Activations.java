package dev.kiln.ops.infer;

import java.util.List;

/**
 * The activations of {@link dev.kiln.ops.layers.Activation} on a float array in place, element by element with the
 * formulas (and the float/double roundings) the Java backend's kernels use for the traced graph, so that a plan
 * answers what the graph answers. ReLU keeps NaN, as the graph's does.
 */
public final class Activations {
  public static final List<String> SUPPORTED = List.of("linear", "relu", "sigmoid", "tanh", "elu", "gelu", "swish");

  private Activations() {}

  /** Applies {@code name} to {@code a[off .. off + n)}. */
  public static void apply(String name, float[] a, int off, int n) {
    int e = off + n;
    switch (name) {
      case "linear" -> { }
      case "relu" -> { for (int i = off; i < e; i++) a[i] = a[i] <= 0f ? 0f : a[i]; }
      case "sigmoid" -> { for (int i = off; i < e; i++) a[i] = logistic(a[i]); }
      case "tanh" -> { for (int i = off; i < e; i++) a[i] = (float) Math.tanh(a[i]); }
      case "elu" -> { for (int i = off; i < e; i++) a[i] = a[i] > 0f ? a[i] : (float) Math.exp(Math.min(a[i], 0f)) - 1f; }
      case "gelu" -> { for (int i = off; i < e; i++) a[i] = gelu(a[i]); }
      case "swish" -> { for (int i = off; i < e; i++) a[i] = a[i] * logistic(a[i]); }
      default -> throw new IllegalArgumentException("no activation '" + name + "'; supported: " + SUPPORTED);
    }
  }

  private static float logistic(float x) {
    return (float) (1.0 / (1.0 + Math.exp(-x)));
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
