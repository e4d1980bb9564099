package dev.kiln.train;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.kiln.core.Tensor;
import dev.kiln.ops.Model;
import dev.kiln.ops.Variable;
import dev.kiln.train.report.KerasWeightsH5;
import dev.kiln.train.report.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The saved model: {@code model.json} in the shape of Keras's {@code model.to_json()} (layers with names, class
 * names, configs and inbound layers) and {@code model.safetensors} with every variable under its Keras name
 * ({@code conv1d/kernel}, {@code batch_normalization/moving_mean}, {@code normalization/mean}, ...), and the same
 * weights as {@code model.h5} in Keras's {@code save_weights} HDF5 layout ({@link KerasWeightsH5}). A model trained
 * from a Keras {@code model.json} ({@code train --model}) gets that file back, unchanged: an output trained from its
 * logits stays linear there, as Keras gives it, and the weights' metadata names it ({@link #FROM_LOGITS}), so that
 * Kiln reading the model back puts the sigmoid on it again and answers probabilities.
 */
public final class ModelFiles {
  private ModelFiles() {}

  static void write(Path out, Model model, Map<String, Tensor> state, TrainOptions o) throws IOException {
    if (model.sourceJson() != null) {
      // A model given as Keras JSON is written back exactly as it was given.
      byte[] text = model.sourceJson().getBytes(java.nio.charset.StandardCharsets.UTF_8);
      dev.kiln.io.AtomicFiles.write(out.resolve("model.json"), os -> os.write(text));
    } else {
      Trainer.writeJson(out.resolve("model.json"), json(model, o));
    }
    LinkedHashMap<String, Tensor> vars = new LinkedHashMap<>();
    for (Variable v : model.variables()) vars.put(v.name(), state.get(v.name()));
    Map<String, String> meta = new LinkedHashMap<>(
        Map.of("format", "kiln-model", "window", Integer.toString(o.window()), "noise", Double.toString(o.noise())));
    Float fill = dev.kiln.io.dataset.NanFill.recorded(o.data());
    if (fill != null) meta.put(NAN_FILL, Float.toString(fill));
    if (!model.logitOutputs().isEmpty()) meta.put(FROM_LOGITS, String.join(",", model.logitOutputs().stream().sorted()
        .toList()));
    SafeTensors.write(out.resolve("model.safetensors"), vars, meta);
    KerasWeightsH5.write(out.resolve("model.h5"), model, state, KERAS_VERSION);
  }

  /** The Keras version Kiln's files claim: the Keras 2 layout of {@code to_json()} and {@code save_weights}. */
  static final String KERAS_VERSION = "2.4.0";

  static Map<String, Object> json(Model model, TrainOptions o) {
    List<Object> layers = new ArrayList<>();
    for (Model.Node n : model.kerasOrder()) {
      Map<String, Object> l = new LinkedHashMap<>();
      l.put("class_name", n.layer().className());
      l.put("config", n.layer().config());
      l.put("name", n.layer().name());
      List<Object> inbound = new ArrayList<>();
      if (!n.inbound().isEmpty()) {
        List<Object> node = new ArrayList<>();
        for (Model.Node p : n.inbound()) node.add(List.of(p.layer().name(), 0, 0, Map.of()));
        inbound.add(node);
      }
      l.put("inbound_nodes", inbound);
      layers.add(l);
    }
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("name", model.name());
    config.put("layers", layers);
    config.put("input_layers", List.of(List.of(model.nodes().get(0).layer().name(), 0, 0)));
    config.put("output_layers", model.outputs().stream().map(n -> List.of(n.layer().name(), 0, 0)).toList());
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("class_name", "Functional");
    root.put("config", config);
    root.put("keras_version", KERAS_VERSION);
    root.put("backend", "tensorflow");
    root.put("kiln", Map.of("model", "seed", "window", o.window(), "features", Trainer.FEATURES, "noise", o.noise()));
    return root;
  }

  /** The weights file's record of the value missing features were filled with in the training data. */
  static final String NAN_FILL = "nan_fill";

  /** The weights file's record of the outputs trained from logits (comma-separated), linear in model.json. */
  static final String FROM_LOGITS = "from_logits";

  /**
   * A saved model: the architecture rebuilt from model.json's "kiln" section, its variables, and the training data's
   * NaN fill value (null when the data recorded none).
   */
  public record Loaded(Model model, Map<String, Tensor> variables, int window, Float nanFill) {}

  public static Loaded read(Path dir) throws IOException {
    Path json = dir.resolve("model.json"), weights = dir.resolve("model.safetensors");
    for (Path p : List.of(json, weights)) {
      if (!Files.isRegularFile(p)) throw new IOException("no " + p.getFileName() + " in " + dir + " (train a model first)");
    }
    Map<String, Object> root;
    try {
      root = Trainer.JSON.readValue(json.toFile(), new TypeReference<Map<String, Object>>() {});
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new IOException(json + ": not valid JSON: " + e.getOriginalMessage(), e);
    }
    Object k = root.get("kiln");
    Model model;
    if (k instanceof Map<?, ?> kiln && "seed".equals(kiln.get("model"))) {
      if (!(kiln.get("noise") instanceof Number noise) || !(noise.doubleValue() >= 0)) {
        throw new IOException(json + ": kiln.noise is " + kiln.get("noise") + ", not a number >= 0");
      }
      model = Model.seed(positive(json, kiln, "window"), positive(json, kiln, "features"), noise.doubleValue());
    } else {
      // A Keras model.json given to train --model; the outputs the weights' metadata records as trained from
      // logits, linear in model.json, get their sigmoid back.
      String logits = SafeTensors.readMetadata(weights).get(FROM_LOGITS);
      model = dev.kiln.ops.keras.KerasModels.read(json, fromLogits(logits));
    }
    SafeTensors.Contents contents = SafeTensors.readContents(weights);
    int window = model.window();
    LinkedHashMap<String, Tensor> vars = contents.tensors();
    for (Variable v : model.variables()) {
      Tensor t = vars.get(v.name());
      if (t == null) throw new IOException(weights + " has no variable " + v.name());
      if (!t.shape().equals(v.shape())) {
        throw new IOException(weights + ": " + v.name() + " has shape " + t.shape() + ", the model needs " + v.shape());
      }
    }
    return new Loaded(model, vars, window, nanFill(weights, contents.metadata().get(NAN_FILL)));
  }

  private static java.util.Set<String> fromLogits(String recorded) {
    if (recorded == null || recorded.isEmpty()) return java.util.Set.of();
    return new java.util.LinkedHashSet<>(List.of(recorded.split(",")));
  }

  private static Float nanFill(Path weights, String recorded) throws IOException {
    if (recorded == null) return null;
    try {
      float v = Float.parseFloat(recorded);
      if (Float.isFinite(v)) return v;
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IOException(weights + ": metadata nan_fill is '" + recorded + "', not a finite number");
  }

  /** model.json's {@code kiln.<key>}, a whole number >= 1, or an error naming the file and the key. */
  private static int positive(Path json, Map<?, ?> kiln, String key) throws IOException {
    if (kiln.get(key) instanceof Integer i && i >= 1) return i;
    throw new IOException(json + ": kiln." + key + " is " + kiln.get(key) + ", not a whole number >= 1");
  }
}
