package dev.kiln.train;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.ops.Model;
import dev.kiln.ops.train.StepGraphs;
import dev.kiln.train.report.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The end-of-epoch checkpoint: one safetensors file ({@code checkpoint.safetensors} in the output folder) holding
 * the whole training state — variables, optimizer momenta — with the epochs done, the history so far and the run's
 * settings in its metadata. It is written atomically, so a run killed at any moment leaves the previous complete
 * checkpoint; a resume must use the same settings (the backend and data path may change). Every tensor carries a
 * CRC32C, and the previous epoch's checkpoint is kept beside it ({@code checkpoint.previous.safetensors}): a
 * checkpoint that fails its checksum, or is missing because the run was killed while replacing it, falls back to the
 * previous one with a one-line warning. The data stream's position (its seed and the batches it has given) is saved
 * too, so a resumed run continues the very same stream.
 */
record Checkpoint(int epochsDone, long dataBatches, Map<String, Tensor> state, Map<String, List<Double>> history,
    Map<String, Object> settings, Map<String, String> metadata) {
  static Path dir(Path out) {
    return out.resolve("checkpoint.safetensors");
  }

  static Path previous(Path out) {
    return out.resolve("checkpoint.previous.safetensors");
  }

  /** The settings a resumed run must share with the run that wrote the checkpoint. */
  static Map<String, Object> settings(TrainOptions o) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("batch_size", o.batchSize());
    m.put("lr", o.learningRate());
    m.put("momentum", o.momentum());
    m.put("folds", o.folds());
    m.put("holdout", o.holdout());
    m.put("window", o.window());
    m.put("noise", o.noise());
    m.put("seed", o.seed());
    m.put("steps_per_epoch", o.stepsPerEpoch());
    m.put("replicas", o.replicas());
    m.put("bn_group", o.batchNormGroup());
    m.put("model", modelId(o));
    // Only when not the seed's, so checkpoints of resp-only runs keep their settings.
    if (!o.targets().equals(dev.kiln.io.pipeline.Shard.RESP)) m.put("targets", String.join(",", o.targets()));
    if (o.sampleWeight() != dev.kiln.io.pipeline.SampleWeight.NONE) m.put("sample_weight", o.sampleWeight().flag());
    if (o.rowFilter().drops()) {
      m.put("min_date", o.rowFilter().minDate());
      m.put("drop_zero_weight", o.rowFilter().dropZeroWeight());
    }
    if (o.dates() != null) {
      m.put("train_dates", o.dates().train());
      m.put("valid_dates", o.dates().valid());
    }
    return m;
  }

  /**
   * As {@link #settings(TrainOptions)}, with the optimizer's kind and its settings besides the learning rate (the
   * rule's config and the schedule, as compact JSON) and the fit callbacks' arguments.
   */
  static Map<String, Object> settings(TrainOptions o, FitOptions fit) {
    Map<String, Object> m = settings(o);
    Map<String, Object> config = new LinkedHashMap<>(fit.optimization().describe());
    m.put("optimizer", config.remove("optimizer"));
    config.remove("learning_rate");
    // The callbacks too: their state is in the checkpoint, and ReduceLROnPlateau makes the rate part of the state.
    List<String> callbacks = new ArrayList<>();
    if (fit.earlyStopping() != null) callbacks.add("early stopping " + fit.earlyStopping());
    if (fit.reduceLr() != null) callbacks.add("reduce lr on plateau " + fit.reduceLr());
    if (fit.saveBest() != null) callbacks.add("save best " + fit.saveBest());
    m.put("callbacks", callbacks.isEmpty() ? "none" : String.join(", ", callbacks));
    // Only when asked for, so checkpoints of runs with the default losses keep their settings.
    if (!fit.losses().isDefault()) m.put("losses", fit.losses().describe());
    try {
      m.put("optimizer_config", Trainer.JSON.writer()
          .without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(config));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return m;
  }

  /** "seed", or the SHA-256 of the --model file's bytes: a resumed run must train the same architecture. */
  static String modelId(TrainOptions o) {
    if (o.modelFile() == null) return "seed";
    try {
      byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(o.modelFile()));
      return "sha256:" + java.util.HexFormat.of().formatHex(d);
    } catch (IOException | java.security.NoSuchAlgorithmException e) {
      throw new IllegalArgumentException("cannot read --model " + o.modelFile() + ": " + e.getMessage(), e);
    }
  }

  /** Saves the state after {@code epochsDone} epochs; the training stream has given {@code dataBatches} batches. */
  static void save(Path out, int epochsDone, long dataBatches, Map<String, Tensor> state,
      Map<String, List<Double>> history, TrainOptions o) throws IOException {
    save(out, epochsDone, dataBatches, state, history, settings(o), Map.of());
  }

  /** As above, with the run's {@code settings} and {@code extra} metadata (the fit callbacks' state). */
  static void save(Path out, int epochsDone, long dataBatches, Map<String, Tensor> state,
      Map<String, List<Double>> history, Map<String, Object> settings, Map<String, String> extra) throws IOException {
    Map<String, String> meta = new LinkedHashMap<>(extra);
    meta.put("format", "kiln-checkpoint");
    meta.put("epochs_done", Integer.toString(epochsDone));
    meta.put("data_batches", Long.toString(dataBatches));
    meta.put("history", Trainer.JSON.writeValueAsString(history));
    meta.put("options", Trainer.JSON.writeValueAsString(settings));
    if (Files.exists(dir(out))) {
      java.nio.file.Files.move(dir(out), previous(out), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
    SafeTensors.write(dir(out), new LinkedHashMap<>(state), meta);
  }

  /**
   * The checkpoint in {@code out}, or null when there is none. A corrupt or missing current checkpoint falls back to
   * the previous one, saying so on {@code log}; when both are unusable the error names both files.
   */
  static Checkpoint load(Path out, java.io.PrintStream log) throws IOException {
    Path cur = dir(out), prev = previous(out);
    if (!Files.exists(cur) && !Files.exists(prev)) return null;
    IOException first = null;
    if (Files.exists(cur)) {
      try {
        return read(cur);
      } catch (IOException e) {
        if (!Files.exists(prev)) throw e;
        first = e;
      }
    }
    Checkpoint c;
    try {
      c = read(prev);
    } catch (IOException e) {
      if (first != null) e.addSuppressed(first);
      throw new IOException((first != null ? first.getMessage() + "; and " : cur + " is missing; and ") + e.getMessage(), e);
    }
    log.println("warning: " + (first != null ? first.getMessage() : cur.getFileName() + " is missing")
        + "; using the previous checkpoint (" + c.epochsDone() + " epochs done)");
    return c;
  }

  /**
   * Reads a checkpoint, checking its metadata (covered by the file's metadata CRC32C) for sense too: the epochs done
   * and the data position are whole numbers in range, and the history has one value per epoch done.
   */
  private static Checkpoint read(Path f) throws IOException {
    SafeTensors.Contents c = SafeTensors.readContents(f);
    Map<String, String> meta = c.metadata();
    if (!"kiln-checkpoint".equals(meta.get("format"))) {
      throw new IOException(f + " is not a Kiln checkpoint (metadata format " + meta.get("format") + ")");
    }
    if (meta.get("data_batches") == null) {
      throw new IOException(f + " has no data position (written by an older Kiln): it cannot be resumed exactly");
    }
    int epochs = (int) number(f, meta, "epochs_done", 1, 1_000_000);
    long batches = number(f, meta, "data_batches", 0, Long.MAX_VALUE);
    Map<String, List<Double>> history = json(f, meta, "history",
        new TypeReference<LinkedHashMap<String, List<Double>>>() {});
    for (var e : history.entrySet()) {
      if (e.getValue() == null || e.getValue().size() != epochs) {
        throw new IOException(f + ": checkpoint metadata history." + e.getKey() + " has "
            + (e.getValue() == null ? 0 : e.getValue().size()) + " values for " + epochs + " epochs done");
      }
    }
    Map<String, Object> settings = json(f, meta, "options", new TypeReference<LinkedHashMap<String, Object>>() {});
    return new Checkpoint(epochs, batches, c.tensors(), history, settings, meta);
  }

  /** Metadata entry {@code key} as a whole number in [min, max], or an error naming the file, the entry and the value. */
  private static long number(Path f, Map<String, String> meta, String key, long min, long max) throws IOException {
    String text = meta.get(key);
    try {
      long v = Long.parseLong(text == null ? "" : text.strip());
      if (v >= min && v <= max) return v;
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IOException(f + ": checkpoint metadata " + key + " is " + (text == null ? "missing" : "\"" + text + "\"")
        + ", not a whole number from " + min + (max == Long.MAX_VALUE ? " up" : " to " + max));
  }

  private static <T> T json(Path f, Map<String, String> meta, String key, TypeReference<T> type) throws IOException {
    String text = meta.get(key);
    try {
      T v = text == null ? null : Trainer.JSON.readValue(text, type);
      if (v != null) return v;
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      // reported below
    }
    throw new IOException(f + ": checkpoint metadata " + key + " is " + (text == null ? "missing" : "not valid JSON"));
  }

  /** Fails, listing every difference, when {@code o} is not the run this checkpoint belongs to. */
  void checkSameRun(TrainOptions o) {
    checkSameRun(settings(o));
  }

  /** As above, the optimizer first: a different one is refused in one line naming both; then every setting. */
  void checkSameRun(TrainOptions o, FitOptions fit) {
    Map<String, Object> now = settings(o, fit);
    Object was = settings.get("optimizer");
    if (!java.util.Objects.equals(was, now.get("optimizer"))) {
      throw new IllegalArgumentException("--resume needs the optimizer the run started with: it was "
          + (was == null ? "the seed's SGD (a checkpoint of an older Kiln)" : was) + ", now " + now.get("optimizer"));
    }
    checkSameRun(now);
  }

  private void checkSameRun(Map<String, Object> now) {
    List<String> diffs = differences(settings, now);
    if (!diffs.isEmpty()) {
      throw new IllegalArgumentException("--resume needs the settings the run started with: "
          + String.join("; ", diffs));
    }
  }

  /**
   * The settings of {@code now} that differ from {@code saved}'s, each "KEY was A, now B". Numbers compare by value,
   * and a JSON object's text (the optimizer's config) by its fields, in any order.
   */
  static List<String> differences(Map<String, Object> saved, Map<String, Object> now) {
    List<String> diffs = new ArrayList<>();
    for (var e : now.entrySet()) {
      Object was = saved.get(e.getKey());
      boolean same = was instanceof Number n && e.getValue() instanceof Number m
          ? n.doubleValue() == m.doubleValue()
          : java.util.Objects.equals(was, e.getValue()) || sameJsonObject(was, e.getValue());
      if (!same) diffs.add(e.getKey() + " was " + was + ", now " + e.getValue());
    }
    return diffs;
  }

  private static boolean sameJsonObject(Object a, Object b) {
    if (!(a instanceof String x) || !(b instanceof String y) || !x.startsWith("{") || !y.startsWith("{")) return false;
    try {
      return Trainer.JSON.readTree(x).equals(Trainer.JSON.readTree(y));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return false;
    }
  }

  /** The saved state, checked against the model's training state (names and types). */
  Map<String, Tensor> checkedState(Model model) {
    return checkedState(StepGraphs.trainingState(model));
  }

  /** The saved state's entries {@code want} names, checked (names and types); other entries are left out. */
  Map<String, Tensor> checkedState(Map<String, TensorType> want) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (var e : want.entrySet()) {
      Tensor t = state.get(e.getKey());
      if (t == null || !t.type().equals(e.getValue())) {
        throw new IllegalArgumentException("checkpoint entry " + e.getKey() + " is "
            + (t == null ? "missing" : t.type()) + ", the model needs " + e.getValue());
      }
      out.put(e.getKey(), t);
    }
    return out;
  }
}
