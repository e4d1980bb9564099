package dev.kiln.train.keras;

import dev.kiln.ops.Model;
import dev.kiln.ops.keras.KerasModels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * {@code --model FILE}: a Keras {@code model.json}, or a {@code model.save()} HDF5 file ({@code .h5}, {@code .hdf5}),
 * read once: the architecture, and for an HDF5 file the file itself (its weights, compile settings and optimizer
 * state; null for a model.json).
 */
public record ModelSource(Model model, KerasSavedModel saved) {
  /** Whether {@code file} is read as a saved HDF5 model rather than a model.json. */
  public static boolean isSaved(Path file) {
    String n = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
    return n.endsWith(".h5") || n.endsWith(".hdf5");
  }

  /** {@code file}, a model.json's outputs in {@code logits} trained from logits (a model.h5 says so itself). */
  public static ModelSource read(Path file, Set<String> logits) throws IOException {
    if (!isSaved(file)) return new ModelSource(KerasModels.read(file, logits), null);
    KerasSavedModel saved = KerasSavedModel.read(file);
    return new ModelSource(saved.model(), saved);
  }

  /** The compile settings of a model.h5 compiled before it was saved; null for a model.json or an uncompiled file. */
  public KerasCompile compile() {
    return saved == null ? null : saved.compile(model.outputNames());
  }

  /**
   * The one-line refusal of {@code flags} that set the optimizer or losses a model.h5's compile settings already set.
   */
  public static IllegalArgumentException setByTheFile(List<String> flags) {
    return new IllegalArgumentException(String.join(", ", flags) + ": the model.h5 file's training_config sets the "
        + "optimizer and losses; drop the flag, or pass the architecture as a model.json");
  }
}
