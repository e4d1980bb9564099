package dev.kiln.train.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.ops.Model;
import dev.kiln.ops.keras.KerasModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Which sigmoid output of a model with several answers the competition's API, and why: the one asked for, else the
 * action output the run recorded in its {@code metrics.json} (training's {@code --action-output}), else the last
 * sigmoid output (training's default).
 */
record RunAction(String name, String source) {
  /** The run's recorded action output, or null when its metrics.json is absent or names none. */
  static String recorded(Path run) throws IOException {
    Path metrics = run.resolve("metrics.json");
    if (!Files.isRegularFile(metrics)) return null;
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(metrics.toFile());
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new IOException(metrics + ": not valid JSON: " + e.getOriginalMessage());
    }
    JsonNode a = root.get("action_output");
    return a != null && a.isTextual() ? a.textValue() : null;
  }

  /** The output to answer among {@code model}'s, from {@code asked} (may be null) and {@code recorded} (may be null). */
  static RunAction choose(Model model, String asked, String recorded) {
    List<String> sigmoid = model.outputs().stream().filter(KerasModels::isSigmoid).map(o -> o.layer().name())
        .toList();
    String name = asked != null ? asked : recorded != null ? recorded : sigmoid.isEmpty() ? null : sigmoid.getLast();
    String source = asked != null ? "--action-output" : recorded != null ? "the run's action output"
        : "the last sigmoid output";
    if (name == null || !sigmoid.contains(name)) {
      throw new IllegalArgumentException((asked != null ? "--action-output " + asked
          : recorded != null ? "the run's action output " + recorded : "the model")
          + " is not a sigmoid output; the action is taken on probabilities (the sigmoid outputs: " + sigmoid + ")");
    }
    return new RunAction(name, source);
  }
}
