package dev.kiln.ops.train;

import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Ops;
import dev.kiln.ops.Model;
import dev.kiln.ops.keras.KerasModels;
import dev.kiln.ops.metrics.Metrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a training step minimizes, output by output, as Keras's {@code compile(loss={...}, loss_weights={...})}:
 * binary cross-entropy (with label smoothing, from the logits as Keras computes it on a sigmoid output) of a sigmoid
 * output on the targets, or the mean squared or absolute error of a linear output against the input features (a
 * reconstruction). The total is Σ weight × each output's loss. A model with one output keeps the seed's loss, state
 * names and logs ({@code loss}, {@code auc}, ...); with several, the logs are named as Keras names them
 * ({@code loss}, {@code decoder_loss}, {@code action_loss}, {@code action_auc}, ...), the metrics (recall,
 * precision, AUC) apply to each sigmoid output, and a reconstruction reports the error metrics its spec names. One
 * sigmoid output is the action: its probabilities are the ones validation gives for the utility score and the plots.
 */
public final class Losses {
  /** A loss Kiln computes: binary cross-entropy, mean squared error, mean absolute error. */
  public enum Kind {
    BCE, MSE, MAE;

    /** The flag's spelling. */
    public String flag() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * One output: its layer name, its position in the model's outputs, its loss, the loss's weight, its units, the
   * label smoothing of its binary cross-entropy, and the error metrics of a reconstruction ({@link #ERRORS}).
   */
  public record Head(String name, int index, Kind kind, double weight, int units, double smoothing,
      List<String> errors) {
    public Head {
      errors = List.copyOf(errors);
    }

    public boolean sigmoid() {
      return kind == Kind.BCE;
    }
  }

  /**
   * The error metrics a reconstruction output may report, as Keras's compile metrics (unweighted, over every unit):
   * mean absolute error, mean squared error and its root.
   */
  public static final List<String> ERRORS = List.of("mae", "mse", "rmse");

  private final List<Head> heads;
  private final int action;
  private final boolean multi;
  private final int targets;

  private Losses(List<Head> heads, int action, boolean multi, int targets) {
    this.heads = List.copyOf(heads);
    this.action = action;
    this.multi = multi;
    this.targets = targets;
  }

  /** The losses a model trains with when none are asked for: {@link LossSpec#DEFAULT}, targets from its outputs. */
  public static Losses of(Model model) {
    if (model.outputs().size() == 1) {
      Model.Node o = model.output();
      return new Losses(List.of(new Head(o.layer().name(), 0, Kind.BCE, 1, units(o), 0, List.of())), 0, false,
          units(o));
    }
    int k = -1;
    for (Model.Node o : model.outputs()) if (KerasModels.isSigmoid(o)) k = units(o);
    return of(model, LossSpec.DEFAULT, k, model.features());
  }

  /**
   * The losses {@code spec} asks for on {@code model}, trained on {@code targets} labels per sample and
   * {@code features} input features; any misuse is refused in one line (an unknown output, a loss that does not fit
   * its output, a sigmoid output whose units are not the targets, a reconstruction of the wrong width).
   */
  public static Losses of(Model model, LossSpec spec, int targets, int features) {
    List<String> names = model.outputNames();
    for (String n : spec.loss().keySet()) unknown("--loss", n, names);
    for (String n : spec.weights().keySet()) unknown("--loss-weights", n, names);
    for (String n : spec.smoothing().keySet()) unknown("label smoothing", n, names);
    for (String n : spec.errors().keySet()) unknown("error metrics", n, names);
    if (spec.action() != null) unknown("--action-output", spec.action(), names);
    List<Head> heads = new ArrayList<>();
    int action = -1;
    for (int i = 0; i < names.size(); i++) {
      Model.Node o = model.outputs().get(i);
      String n = names.get(i);
      boolean sigmoid = KerasModels.isSigmoid(o);
      Kind kind = spec.loss().getOrDefault(n, sigmoid ? Kind.BCE : null);
      String problem = problem(model, o, kind, sigmoid, targets, features);
      if (problem != null) throw new IllegalArgumentException(problem);
      double smoothing = kind == Kind.BCE ? spec.smoothing().getOrDefault(n, spec.labelSmoothing()) : 0;
      List<String> errors = spec.errors().getOrDefault(n, List.of());
      if (sigmoid && !errors.isEmpty()) {
        throw new IllegalArgumentException("output '" + n + "' is sigmoid: its metrics are recall, precision and AUC, "
            + "not " + errors);
      }
      heads.add(new Head(n, i, kind, spec.weights().getOrDefault(n, 1.0), units(o), smoothing, errors));
      if (sigmoid && (spec.action() == null || spec.action().equals(n))) action = i;
    }
    if (action < 0) {
      throw new IllegalArgumentException("--action-output " + spec.action() + " is not a sigmoid output; the action "
          + "is taken on probabilities (the sigmoid outputs: " + heads.stream().filter(Head::sigmoid)
          .map(Head::name).toList() + ")");
    }
    return new Losses(heads, action, names.size() > 1, targets);
  }

  private static void unknown(String flag, String name, List<String> names) {
    if (!names.contains(name)) {
      throw new IllegalArgumentException(flag + " names output '" + name + "', which the model does not have (its "
          + "outputs: " + String.join(", ", names) + ")");
    }
  }

  /** Why output {@code o} cannot be trained with {@code kind}, or null when it can. */
  private static String problem(Model model, Model.Node o, Kind kind, boolean sigmoid, int targets, int features) {
    String n = o.layer().name();
    int units = units(o);
    if (kind == null) {
      return "output '" + n + "' is linear and has no loss: give --loss " + n + "=mse (or mae), a reconstruction "
          + "of the input features";
    }
    if (sigmoid && kind != Kind.BCE) {
      return "--loss " + n + "=" + kind.flag() + ": output '" + n + "' is sigmoid, trained on the targets with bce; "
          + "mse and mae are for a linear output reconstructing the input";
    }
    if (!sigmoid && kind == Kind.BCE) {
      return "--loss " + n + "=bce: output '" + n + "' is linear; bce needs a sigmoid output (a linear output "
          + "takes mse or mae against the input features)";
    }
    if (sigmoid && units != targets) {
      return "output '" + n + "' has " + units + " sigmoid unit" + (units == 1 ? "" : "s") + " and --targets names "
          + targets + "; give one target per unit";
    }
    if (!sigmoid && !model.takesRows()) {
      return "--loss " + n + "=" + kind.flag() + ": the model takes windows; a reconstruction output needs a model "
          + "that takes rows (input [" + features + "])";
    }
    if (!sigmoid && units != features) {
      return "--loss " + n + "=" + kind.flag() + ": output '" + n + "' has " + units + " units; a reconstruction of "
          + "the input needs " + features + " (the features)";
    }
    return null;
  }

  private static int units(Model.Node o) {
    return o.shape()[o.shape().length - 1];
  }

  public List<Head> heads() {
    return heads;
  }

  /** Whether the model has several outputs (then state and logs are named per output). */
  public boolean multi() {
    return multi;
  }

  /** Labels per sample: the units of every sigmoid output. */
  public int targets() {
    return targets;
  }

  /** The action output: the one validation's probabilities, the utility score and the plots come from. */
  public Head action() {
    return heads.get(action);
  }

  /**
   * Each output's losses per unit [b, units], before sample weights: from the traced outputs {@code outs} (as
   * {@link Model#forwardAll}), the input rows {@code x} [b, features] and the labels {@code y} [b, targets].
   */
  public List<Value> elementwise(List<Model.Outputs> outs, Value x, Value y) {
    List<Value> l = new ArrayList<>();
    for (Head h : heads) {
      Model.Outputs o = outs.get(h.index());
      l.add(switch (h.kind()) {
        case BCE -> Metrics.bceFromLogits(o.logits(), h.smoothing() > 0
            ? y.mul(1 - h.smoothing()).add(0.5 * h.smoothing()) : y);
        case MSE -> {
          Value d = o.output().sub(x);
          yield d.mul(d);
        }
        case MAE -> Ops.abs(o.output().sub(x));
      });
    }
    return l;
  }

  /** Each output's losses per unit [b, units] times each sample's weight {@code w} [b, 1]. */
  public List<Value> weighted(List<Value> losses, Value w) {
    List<Value> l = new ArrayList<>();
    for (int i = 0; i < losses.size(); i++) {
      l.add(losses.get(i).mul(Ops.broadcastTo(w, w.dim(0), heads.get(i).units())));
    }
    return l;
  }

  /**
   * The total loss: Σ weight × Σ losses / ({@code samples} × units) over the outputs, each output's losses
   * [b, units] already multiplied by the sample weights (Keras's SUM_OVER_BATCH_SIZE over the global batch of
   * {@code samples}).
   */
  public Value total(List<Value> weighted, double samples) {
    Value loss = null;
    for (int i = 0; i < heads.size(); i++) {
      Head h = heads.get(i);
      Value part = Ops.sum(weighted.get(i)).div(samples * h.units());
      if (h.weight() != 1) part = part.mul(h.weight());
      loss = loss == null ? part : loss.add(part);
    }
    return loss;
  }

  /** The metric accumulators and their shapes, in state order. */
  public Map<String, Shape> accumulators() {
    if (!multi) return Metrics.accumulators();
    Map<String, Shape> m = new LinkedHashMap<>();
    m.put("metrics/loss_sum", Shape.scalar());
    m.put("metrics/count", Shape.scalar());
    for (Head h : heads) {
      if (h.sigmoid()) {
        Metrics.accumulators().forEach((k, s) -> m.put(prefix(h) + k.substring("metrics/".length()), s));
      } else {
        m.put(prefix(h) + "loss_sum", Shape.scalar());
        m.put(prefix(h) + "count", Shape.scalar());
        if (h.errors().contains("mae")) m.put(prefix(h) + "abs_sum", Shape.scalar());
        if (h.errors().contains("mse") || h.errors().contains("rmse")) m.put(prefix(h) + "sq_sum", Shape.scalar());
      }
    }
    return m;
  }

  private static String prefix(Head h) {
    return "metrics/" + h.name() + "/";
  }

  /**
   * This batch's contributions to the accumulators: from the outputs {@code outs}, the input rows x [b, features]
   * (a reconstruction's target), labels y [b, k], each output's losses per unit (sample weights applied) and a
   * sample weight w [b, 1] (0 for padding).
   */
  public Map<String, Value> counts(List<Model.Outputs> outs, Value x, Value y, List<Value> losses, Value w) {
    if (!multi) return counts(outs.get(0).output(), y, losses.get(0), w);
    Map<String, Value> m = new LinkedHashMap<>();
    int b = y.dim(0);
    Value perSample = null;
    for (int i = 0; i < heads.size(); i++) {
      Head h = heads.get(i);
      Value l = losses.get(i);
      Value mean = Ops.reshape(Ops.sum(l, 1), b, 1).div(h.units());
      if (h.weight() != 1) mean = mean.mul(h.weight());
      perSample = perSample == null ? mean : perSample.add(mean);
      if (h.sigmoid()) {
        counts(outs.get(h.index()).output(), y, l, w).forEach((k, v) ->
            m.put(prefix(h) + k.substring("metrics/".length()), v));
      } else {
        Value units = Ops.broadcastTo(w, b, h.units());
        m.put(prefix(h) + "loss_sum", Ops.sum(l.mul(units)));
        m.put(prefix(h) + "count", Ops.sum(w).mul(h.units()));
        if (!h.errors().isEmpty()) errorCounts(m, h, outs.get(h.index()).output().sub(x), units);
      }
    }
    m.put("metrics/loss_sum", Ops.sum(perSample.mul(w)));
    m.put("metrics/count", Ops.sum(w));
    return m;
  }

  /**
   * The metric counts of probabilities, labels and losses [b, k] with sample weights [b, 1]: for k > 1 over the
   * flattened units, as Keras's AUC, recall and precision on [b, k] (each sample's weight on each of its units).
   */
  static Map<String, Value> counts(Value p, Value y, Value losses, Value w) {
    int b = p.dim(0), k = p.dim(1);
    if (k == 1) return Metrics.batchCounts(p, y, losses, w);
    return Metrics.batchCounts(Ops.reshape(p, b * k, 1), Ops.reshape(y, b * k, 1), Ops.reshape(losses, b * k, 1),
        Ops.reshape(Ops.broadcastTo(w, b, k), b * k, 1));
  }

  /** A reconstruction's error sums of the differences d [b, units] with the sample weights (0 or 1) per unit. */
  private static void errorCounts(Map<String, Value> m, Head h, Value d, Value units) {
    if (h.errors().contains("mae")) m.put(prefix(h) + "abs_sum", Ops.sum(Ops.abs(d).mul(units)));
    if (h.errors().contains("mse") || h.errors().contains("rmse")) {
      m.put(prefix(h) + "sq_sum", Ops.sum(d.mul(d).mul(units)));
    }
  }

  /** The epoch's logs from the accumulators (named as {@link #accumulators}), under Keras's names. */
  public Map<String, Double> logs(Map<String, Tensor> acc) {
    Map<String, Double> logs = new LinkedHashMap<>();
    if (!multi) {
      Metrics.Values v = Metrics.values(acc);
      logs.put("loss", v.loss());
      logs.put("recall", v.recall());
      logs.put("precision", v.precision());
      logs.put("auc", v.auc());
      return logs;
    }
    logs.put("loss", ratio(acc, "metrics/"));
    for (Head h : heads) logs.put(h.name() + "_loss", ratio(acc, prefix(h)));
    for (Head h : heads) {
      if (!h.sigmoid()) {
        for (String e : h.errors()) logs.put(h.name() + "_" + e, error(acc, h, e));
        continue;
      }
      Metrics.Values v = Metrics.values(of(acc, h));
      logs.put(h.name() + "_recall", v.recall());
      logs.put(h.name() + "_precision", v.precision());
      logs.put(h.name() + "_auc", v.auc());
    }
    return logs;
  }

  /** The log names every epoch has, training then validation ({@code val_}). */
  public List<String> logNames() {
    List<String> names = new ArrayList<>();
    if (!multi) {
      names.addAll(List.of("loss", "recall", "precision", "auc"));
    } else {
      names.add("loss");
      for (Head h : heads) names.add(h.name() + "_loss");
      for (Head h : heads) {
        if (h.sigmoid()) names.addAll(List.of(h.name() + "_recall", h.name() + "_precision", h.name() + "_auc"));
        else for (String e : h.errors()) names.add(h.name() + "_" + e);
      }
    }
    List<String> all = new ArrayList<>(names);
    for (String n : names) all.add("val_" + n);
    return all;
  }

  /** The action output's metrics (its own loss, recall, precision and AUC). */
  public Metrics.Values values(Map<String, Tensor> acc) {
    return multi ? Metrics.values(of(acc, action())) : Metrics.values(acc);
  }

  /** The progress bar's text: Keras's "loss: ... - auc: ..." of the logs. */
  public String format(Map<String, Tensor> acc) {
    if (!multi) return Metrics.values(acc).format("");
    StringBuilder b = new StringBuilder();
    logs(acc).forEach((k, v) -> b.append(b.isEmpty() ? "" : " - ").append(String.format("%s: %.4f", k, v)));
    return b.toString();
  }

  private static double ratio(Map<String, Tensor> acc, String prefix) {
    return ratio(acc, prefix, "loss_sum");
  }

  private static double ratio(Map<String, Tensor> acc, String prefix, String sum) {
    double count = acc.get(prefix + "count").item();
    return count > 0 ? acc.get(prefix + sum).item() / count : Double.NaN;
  }

  /** A reconstruction's error metric {@code e} (one of {@link #ERRORS}) over every unit counted. */
  private static double error(Map<String, Tensor> acc, Head h, String e) {
    return switch (e) {
      case "mae" -> ratio(acc, prefix(h), "abs_sum");
      case "mse" -> ratio(acc, prefix(h), "sq_sum");
      default -> Math.sqrt(ratio(acc, prefix(h), "sq_sum"));
    };
  }

  /** A sigmoid output's accumulators under the names {@link Metrics#values} reads. */
  private static Map<String, Tensor> of(Map<String, Tensor> acc, Head h) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (String k : Metrics.accumulators().keySet()) {
      m.put(k, acc.get(prefix(h) + k.substring("metrics/".length())));
    }
    return m;
  }
}
