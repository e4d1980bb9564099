package dev.kiln.train;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.kiln.core.Tensor;
import dev.kiln.train.report.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The end-of-epoch checkpoint: one safetensors file ({@code checkpoint.safetensors} in the output folder) holding
 * the whole training state — variables, optimizer momenta — with the epochs done and the history so far in its
 * metadata. It is written atomically, so a run killed at any moment leaves the previous complete checkpoint.
 */
record Checkpoint(int epochsDone, Map<String, Tensor> state, Map<String, List<Double>> history) {
  static Path dir(Path out) {
    return out.resolve("checkpoint.safetensors");
  }

  static void save(Path out, int epochsDone, Map<String, Tensor> state, Map<String, List<Double>> history,
      TrainOptions o) throws IOException {
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", "kiln-checkpoint");
    meta.put("epochs_done", Integer.toString(epochsDone));
    meta.put("history", Trainer.JSON.writeValueAsString(history));
    meta.put("options", Trainer.JSON.writeValueAsString(Map.of("batch_size", o.batchSize(), "lr", o.learningRate(),
        "momentum", o.momentum(), "window", o.window(), "noise", o.noise(), "seed", o.seed(), "holdout", o.holdout())));
    SafeTensors.write(dir(out), new LinkedHashMap<>(state), meta);
  }

  /** The checkpoint in {@code out}, or null when there is none. */
  static Checkpoint load(Path out) throws IOException {
    Path f = dir(out);
    if (!Files.exists(f)) return null;
    SafeTensors.Contents c = SafeTensors.readContents(f);
    Map<String, String> meta = c.metadata();
    if (!"kiln-checkpoint".equals(meta.get("format"))) {
      throw new IOException(f + " is not a Kiln checkpoint (metadata format " + meta.get("format") + ")");
    }
    Map<String, List<Double>> history = Trainer.JSON.readValue(meta.get("history"),
        new TypeReference<LinkedHashMap<String, List<Double>>>() {});
    return new Checkpoint(Integer.parseInt(meta.get("epochs_done")), c.tensors(), history);
  }
}
