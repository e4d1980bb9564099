package dev.kiln.train.keras;

import dev.kiln.ops.Model;
import dev.kiln.ops.keras.KerasModels;
import java.io.IOException;
import java.nio.file.Path;

/** {@code --model FILE}: a Keras {@code model.json}, or a {@code model.save()} HDF5 file ({@code .h5}, {@code .hdf5}). */
public final class ModelSource {
  private ModelSource() {}

  /** Whether {@code file} is read as a saved HDF5 model rather than a model.json. */
  public static boolean isSaved(Path file) {
    String n = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
    return n.endsWith(".h5") || n.endsWith(".hdf5");
  }

  /** The architecture in {@code file}. */
  public static Model read(Path file) throws IOException {
    return isSaved(file) ? KerasSavedModel.read(file).model() : KerasModels.read(file);
  }
}
