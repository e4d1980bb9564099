package dev.kiln.ops.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the run asks for, before the model is known: each output's loss and weight by name (absent: bce for a
 * sigmoid output, weight 1), the label smoothing of every binary cross-entropy and of named outputs (a model.h5's
 * compile may give each output its own), the action output (null: the last sigmoid output), the outputs of a
 * model.json trained from logits (each a linear Dense the model is read with a sigmoid on), and the error metrics
 * of reconstruction outputs by name (a model.h5's compile metrics).
 */
public record LossSpec(Map<String, Losses.Kind> loss, Map<String, Double> weights, double labelSmoothing,
    Map<String, Double> smoothing, String action, java.util.Set<String> fromLogits,
    Map<String, List<String>> errors) {
  public static final LossSpec DEFAULT = new LossSpec(Map.of(), Map.of(), 0, null);

  /** One label smoothing for every binary cross-entropy. */
  public LossSpec(Map<String, Losses.Kind> loss, Map<String, Double> weights, double labelSmoothing, String action) {
    this(loss, weights, labelSmoothing, Map.of(), action, java.util.Set.of(), Map.of());
  }

  /** Each output's label smoothing where given. */
  public LossSpec(Map<String, Losses.Kind> loss, Map<String, Double> weights, double labelSmoothing,
      Map<String, Double> smoothing, String action) {
    this(loss, weights, labelSmoothing, smoothing, action, java.util.Set.of(), Map.of());
  }

  public LossSpec {
    loss = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(loss));
    weights = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(weights));
    smoothing = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(smoothing));
    fromLogits = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(fromLogits));
    errors = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(errors));
    for (var e : errors.entrySet()) {
      for (String m : e.getValue()) {
        if (!Losses.ERRORS.contains(m)) throw new IllegalArgumentException("error metric " + m + " of " + e.getKey()
            + ": Kiln computes " + Losses.ERRORS);
      }
    }
    if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
      throw new IllegalArgumentException("--label-smoothing must be in [0, 1], got " + labelSmoothing);
    }
    for (var e : smoothing.entrySet()) {
      if (!(e.getValue() >= 0 && e.getValue() <= 1)) {
        throw new IllegalArgumentException("label smoothing of " + e.getKey() + " must be in [0, 1], got "
            + e.getValue());
      }
    }
    for (var w : weights.entrySet()) {
      if (!(w.getValue() >= 0) || Double.isInfinite(w.getValue())) {
        throw new IllegalArgumentException("--loss-weights " + w.getKey() + "=" + w.getValue()
            + ": a weight must be a finite number >= 0");
      }
    }
  }

  public boolean isDefault() {
    return equals(DEFAULT);
  }

  /** The same spec with {@code action} as the action output. */
  public LossSpec withAction(String action) {
    return new LossSpec(loss, weights, labelSmoothing, smoothing, action, fromLogits, errors);
  }

  /**
   * The spec as the flags give it, for checkpoints' settings (a resume must ask for the same): e.g.
   * {@code decoder=mse; weights decoder=0.5; label smoothing 0.01 (ae_action=0.05); action output default}.
   */
  public String describe() {
    List<String> l = new ArrayList<>(), w = new ArrayList<>();
    loss.forEach((k, v) -> l.add(k + "=" + v.flag()));
    weights.forEach((k, v) -> w.add(k + "=" + v));
    return (l.isEmpty() ? "default" : String.join(",", l)) + "; weights " + (w.isEmpty() ? "default"
        : String.join(",", w)) + "; label smoothing " + labelSmoothing + (smoothing.isEmpty() ? ""
        : " (" + String.join(",", smoothing.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
        + ")") + "; action output " + (action == null ? "default" : action)
        + (fromLogits.isEmpty() ? "" : "; from logits " + String.join(",", fromLogits))
        + (errors.isEmpty() ? "" : "; metrics " + String.join(",", errors.entrySet().stream()
            .map(e -> e.getKey() + "=" + String.join("+", e.getValue())).toList()));
  }
}
