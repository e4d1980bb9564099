package dev.kiln.train.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.ops.train.Optimization;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code model.compile(...)} saved in a model.h5's {@code training_config}: the optimizer, each output's loss
 * (BinaryCrossentropy with label_smoothing and from_logits, MeanSquaredError, MeanAbsoluteError; one for every
 * output, a list in output order, or a dict by output name), the loss weights, and the metrics: AUC, Precision and
 * Recall of a sigmoid output, which Kiln always reports as {@code auc}, {@code precision} and {@code recall}, and
 * MeanAbsoluteError, MeanSquaredError and RootMeanSquaredError of a reconstruction, which Kiln computes when compiled
 * ({@code errors}: {@code mae}, {@code mse}, {@code rmse} by output). Any other field or value is refused by its path,
 * before any data is read.
 */
public record KerasCompile(Optimization optimization, Map<String, Loss> losses, Map<String, Double> lossWeights,
    Map<String, List<String>> errors) {
  /** One output's loss: {@code bce}, {@code mse} or {@code mae}. */
  public record Loss(String kind, double labelSmoothing, boolean fromLogits) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The losses as Kiln's spec: each output's kind, weight and label smoothing (one value for all when they agree). An
   * output compiled from logits is read with its sigmoid ({@link KerasSavedModel}), and Kiln's binary cross-entropy
   * takes that sigmoid's input: Keras's loss on the logits.
   */
  public dev.kiln.ops.train.LossSpec spec() {
    Map<String, dev.kiln.ops.train.Losses.Kind> kinds = new LinkedHashMap<>();
    Map<String, Double> smoothing = new LinkedHashMap<>();
    for (var e : losses.entrySet()) {
      Loss l = e.getValue();
      kinds.put(e.getKey(), dev.kiln.ops.train.Losses.Kind.valueOf(l.kind().toUpperCase(java.util.Locale.ROOT)));
      if (l.kind().equals("bce")) smoothing.put(e.getKey(), l.labelSmoothing());
    }
    if (new java.util.HashSet<>(smoothing.values()).size() <= 1) {
      double all = smoothing.isEmpty() ? 0 : smoothing.values().iterator().next();
      return new dev.kiln.ops.train.LossSpec(kinds, lossWeights, all, Map.of(), null, java.util.Set.of(), errors);
    }
    return new dev.kiln.ops.train.LossSpec(kinds, lossWeights, 0, smoothing, null, java.util.Set.of(), errors);
  }

  private static final String PATH = "training_config";

  /** Reads the JSON text of {@code training_config} for a model whose outputs are {@code outputs}, in order. */
  public static KerasCompile read(String trainingConfig, List<String> outputs) {
    JsonNode root;
    try {
      root = JSON.readTree(trainingConfig);
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new IllegalArgumentException(PATH + ": not valid JSON: " + e.getOriginalMessage());
    }
    JsonFields f = new JsonFields(root, PATH);
    JsonNode opt = f.get("optimizer_config");
    if (opt == null) throw new IllegalArgumentException(f.path("optimizer_config") + " is missing");
    Optimization optimization = KerasOptimizers.read(opt, f.path("optimizer_config"));
    Map<String, Loss> losses = perOutput(f.get("loss"), f.path("loss"), outputs, KerasCompile::loss);
    if (losses.isEmpty()) throw new IllegalArgumentException(f.path("loss") + " is missing");
    Map<String, Double> weights = perOutput(f.get("loss_weights"), f.path("loss_weights"), outputs, (v, p) -> {
      if (!v.isNumber() || !(v.doubleValue() >= 0)) throw new IllegalArgumentException(p + " is " + v + ", not a number >= 0");
      return v.doubleValue();
    });
    Map<String, List<String>> errors = metrics(f.get("metrics"), f.path("metrics"), outputs, losses);
    f.require("weighted_metrics", "weighted metrics are not supported");
    f.finish();
    return new KerasCompile(optimization, losses, weights, errors);
  }

  /** Whether the binary cross-entropies are all from logits (TRUE), none (FALSE), or some (null). */
  private static Boolean logits(Map<String, Loss> losses) {
    long bce = losses.values().stream().filter(l -> l.kind().equals("bce")).count();
    long fromLogits = losses.values().stream().filter(Loss::fromLogits).count();
    return fromLogits == 0 ? Boolean.FALSE : fromLogits == bce ? Boolean.TRUE : null;
  }

  /**
   * The outputs whose loss is a BinaryCrossentropy from logits in {@code trainingConfig} (none when it does not read:
   * {@link #read} then says why).
   */
  public static java.util.Set<String> logitOutputs(String trainingConfig, List<String> outputs) {
    java.util.Set<String> out = new java.util.LinkedHashSet<>();
    try {
      JsonNode loss = JSON.readTree(trainingConfig).get("loss");
      perOutput(loss, PATH + ".loss", outputs, (v, p) -> v.path("class_name").asText().equals("BinaryCrossentropy")
          && v.path("config").path("from_logits").asBoolean(false)).forEach((o, l) -> {
            if (l) out.add(o);
          });
    } catch (com.fasterxml.jackson.core.JacksonException | IllegalArgumentException e) {
      return java.util.Set.of();
    }
    return out;
  }

  private interface Reader<T> {
    T read(JsonNode value, String path);
  }

  /** One value for every output, a list in output order, or a dict by output name (null: none). */
  private static <T> Map<String, T> perOutput(JsonNode v, String path, List<String> outputs, Reader<T> each) {
    Map<String, T> out = new LinkedHashMap<>();
    if (v == null) return out;
    if (v.isArray()) {
      if (v.size() != outputs.size()) {
        throw new IllegalArgumentException(path + " lists " + v.size() + " entries for " + outputs.size() + " outputs "
            + outputs);
      }
      for (int i = 0; i < v.size(); i++) out.put(outputs.get(i), each.read(v.get(i), path + "[" + i + "]"));
    } else if (v.isObject() && !v.has("class_name")) {
      for (Iterator<String> it = v.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        if (!outputs.contains(name)) throw new IllegalArgumentException(path + "." + name + ": no output of that name; "
            + "the outputs are " + outputs);
        out.put(name, each.read(v.get(name), path + "." + name));
      }
    } else {
      T one = each.read(v, path);
      for (String o : outputs) out.put(o, one);
    }
    return out;
  }

  private static Loss loss(JsonNode v, String path) {
    if (v.isTextual()) {
      return new Loss(switch (v.textValue()) {
        case "binary_crossentropy", "bce", "BinaryCrossentropy" -> "bce";
        case "mse", "mean_squared_error", "MeanSquaredError" -> "mse";
        case "mae", "mean_absolute_error", "MeanAbsoluteError" -> "mae";
        default -> throw new IllegalArgumentException(path + " is '" + v.textValue() + "'; supported: "
            + "binary_crossentropy, mean_squared_error, mean_absolute_error");
      }, 0, false);
    }
    JsonFields top = new JsonFields(v, path);
    String cls = top.text("class_name");
    top.accept("module", "registered_name");
    JsonFields c = new JsonFields(top.get("config"), top.path("config"));
    top.finish();
    c.accept("name", "fn");
    c.require("reduction", "Kiln's losses average over the batch (Keras's default)", "auto", "sum_over_batch_size");
    Loss l = switch (String.valueOf(cls)) {
      case "BinaryCrossentropy" -> {
        c.require("axis", "only the last axis", -1);
        yield new Loss("bce", c.number("label_smoothing", 0), c.bool("from_logits", false));
      }
      case "MeanSquaredError" -> new Loss("mse", 0, false);
      case "MeanAbsoluteError" -> new Loss("mae", 0, false);
      default -> throw new IllegalArgumentException(top.path("class_name") + " is " + cls
          + "; supported: BinaryCrossentropy, MeanSquaredError, MeanAbsoluteError");
    };
    c.finish();
    return l;
  }

  /** One metric of the config and its path. */
  private record Metric(JsonNode value, String path) {}

  /**
   * Checks each output's metrics, each one Kiln computes with Kiln's settings: AUC, Precision and Recall on a binary
   * cross-entropy output, the errors on a reconstruction; returns the reconstructions' errors by output.
   */
  private static Map<String, List<String>> metrics(JsonNode v, String path, List<String> outputs,
      Map<String, Loss> losses) {
    Map<String, List<String>> errors = new LinkedHashMap<>();
    if (v == null || v.isNull()) return errors;
    Map<String, List<Metric>> byOutput = metricsByOutput(v, path, outputs);
    Boolean logits = logits(losses);
    for (var e : byOutput.entrySet()) {
      Loss loss = losses.get(e.getKey());
      for (Metric m : e.getValue()) {
        String error = error(m.value(), m.path());
        if (loss == null || !loss.kind().equals("bce")) {
          if (error == null) {
            throw new IllegalArgumentException(m.path() + " is " + describe(m.value()) + " on output '" + e.getKey()
                + "', which is no sigmoid output; Kiln reports MeanAbsoluteError, MeanSquaredError and "
                + "RootMeanSquaredError of a reconstruction");
          }
          List<String> each = errors.computeIfAbsent(e.getKey(), k -> new ArrayList<>());
          if (!each.contains(error)) each.add(error);
        } else if (error != null) {
          throw new IllegalArgumentException(m.path() + " is " + describe(m.value()) + " on the sigmoid output '"
              + e.getKey() + "'; Kiln reports AUC, Precision and Recall there (as auc, precision, recall)");
        } else if (logits == null) {
          throw new IllegalArgumentException(path + ": some outputs are trained from logits and some from "
              + "probabilities; Kiln reports each output's metrics on its probabilities, so compile them without "
              + "metrics or alike");
        } else {
          metric(m.value(), m.path(), logits);
        }
      }
    }
    return errors;
  }

  /**
   * The metrics of each output: as Keras saves them, a list per output in output order; or a dict by output name,
   * or one list (or metric) for every output, as {@code compile} takes them.
   */
  private static Map<String, List<Metric>> metricsByOutput(JsonNode v, String path, List<String> outputs) {
    Map<String, List<Metric>> out = new LinkedHashMap<>();
    boolean perOutput = v.isArray() && v.size() > 0;
    for (JsonNode e : v) perOutput &= e.isArray();
    if (perOutput) {
      if (v.size() != outputs.size()) {
        throw new IllegalArgumentException(path + " lists " + v.size() + " lists of metrics for " + outputs.size()
            + " outputs " + outputs);
      }
      for (int i = 0; i < v.size(); i++) out.put(outputs.get(i), list(v.get(i), path + "[" + i + "]"));
    } else if (v.isObject() && !v.has("class_name")) {
      for (Iterator<String> it = v.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        if (!outputs.contains(name)) throw new IllegalArgumentException(path + "." + name + ": no output of that "
            + "name; the outputs are " + outputs);
        out.put(name, list(v.get(name), path + "." + name));
      }
    } else {
      for (String o : outputs) out.put(o, list(v, path));
    }
    return out;
  }

  private static List<Metric> list(JsonNode v, String path) {
    List<Metric> out = new ArrayList<>();
    if (!v.isArray()) out.add(new Metric(v, path));
    else for (int i = 0; i < v.size(); i++) out.add(new Metric(v.get(i), path + "[" + i + "]"));
    return out;
  }

  /** The reconstruction error a metric is (mae, mse or rmse; checked), or null when it is none. */
  private static String error(JsonNode v, String path) {
    String cls = v.isTextual() ? v.textValue() : v.path("class_name").asText();
    String error = switch (cls) {
      case "MeanAbsoluteError", "mae", "mean_absolute_error" -> "mae";
      case "MeanSquaredError", "mse", "mean_squared_error" -> "mse";
      case "RootMeanSquaredError" -> "rmse";
      default -> null;
    };
    if (error != null && v.isObject()) config(v, path).finish();
    return error;
  }

  private static String describe(JsonNode v) {
    String cls = v.isTextual() ? v.textValue() : v.path("class_name").asText();
    return v.isTextual() ? "'" + cls + "'" : cls + " '" + v.path("config").path("name").asText() + "'";
  }

  private static void metric(JsonNode v, String path, boolean logits) {
    String cls = v.isTextual() ? v.textValue() : v.path("class_name").asText();
    switch (cls) {
      case "AUC", "auc" -> {
        if (v.isObject()) auc(v, path, logits);
        else if (logits) throw new IllegalArgumentException(path + " is '" + cls + "' on outputs trained from logits, "
            + "which Keras's AUC reads as probabilities; compile AUC(from_logits=True)");
      }
      case "Precision", "precision", "Recall", "recall" -> {
        if (logits) {
          throw new IllegalArgumentException(path + " is " + cls + " on outputs trained from logits: Keras thresholds "
              + "the logits at 0.5, Kiln the probabilities (it reports precision and recall anyway)");
        }
        if (v.isObject()) threshold(v, path);
      }
      default -> throw new IllegalArgumentException(path + " is " + describe(v)
          + "; Kiln reports AUC, Precision and Recall (as auc, precision, recall)");
    }
  }

  private static void auc(JsonNode v, String path, boolean logits) {
    JsonFields c = config(v, path);
    c.require("num_thresholds", "Kiln's AUC uses Keras's default 200 thresholds", 200);
    c.require("curve", "Kiln's AUC is the ROC curve's", "ROC");
    c.require("summation_method", "Kiln sums as Keras's default", "interpolation");
    c.require("multi_label", "Kiln's AUC flattens the labels (multi_label=False)", false);
    if (c.bool("from_logits", false) != logits) {
      throw new IllegalArgumentException(c.path("from_logits") + " is " + !logits + " but the outputs are trained "
          + (logits ? "from logits" : "from probabilities") + "; Kiln's AUC reads each output's probabilities, as "
          + "Keras's AUC(from_logits=" + (logits ? "True" : "False") + ") does");
    }
    c.require("num_labels", "Kiln's AUC flattens the labels");
    c.require("label_weights", "Kiln's AUC flattens the labels");
    c.require("thresholds", "Kiln's AUC uses Keras's default thresholds");
    c.finish();
  }

  private static void threshold(JsonNode v, String path) {
    JsonFields c = config(v, path);
    c.require("thresholds", "Kiln's threshold is 0.5", 0.5);
    c.require("top_k", "not supported");
    c.require("class_id", "not supported");
    c.finish();
  }

  private static JsonFields config(JsonNode v, String path) {
    JsonFields top = new JsonFields(v, path);
    top.accept("class_name", "module", "registered_name");
    JsonFields c = new JsonFields(top.get("config"), top.path("config"));
    top.finish();
    c.accept("name", "dtype");
    return c;
  }
}
