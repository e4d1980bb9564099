package dev.kiln.ops.keras;

import dev.kiln.ops.Layer;
import dev.kiln.ops.layers.Activation;
import dev.kiln.ops.layers.Add;
import dev.kiln.ops.layers.BatchNormalization;
import dev.kiln.ops.layers.Concatenate;
import dev.kiln.ops.layers.Conv1D;
import dev.kiln.ops.layers.Dense;
import dev.kiln.ops.layers.Dropout;
import dev.kiln.ops.layers.Flatten;
import dev.kiln.ops.layers.GaussianNoise;
import dev.kiln.ops.layers.GlobalAveragePooling1D;
import dev.kiln.ops.layers.LayerNormalization;
import dev.kiln.ops.layers.Multiply;
import dev.kiln.ops.layers.Normalization;
import dev.kiln.ops.layers.Pooling1D;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The registry of Keras layer classes Kiln builds from {@code model.json}: class name → the layer's reader, which
 * honours or rejects every config field. Adding a layer is one class with a {@code fromKeras} reader and one line
 * here.
 */
public final class KerasLayers {
  private KerasLayers() {}

  /** Builds a layer from its config and its inputs' shapes (batch dimension excluded). */
  @FunctionalInterface
  public interface Reader {
    Layer read(KerasConfig config, List<int[]> inputShapes);
  }

  private static final Map<String, Reader> READERS = new TreeMap<>(Map.ofEntries(
      Map.entry("Activation", Activation::fromKeras),
      Map.entry("Add", Add::fromKeras),
      Map.entry("AveragePooling1D", Pooling1D::fromKeras),
      Map.entry("BatchNormalization", BatchNormalization::fromKeras),
      Map.entry("Concatenate", Concatenate::fromKeras),
      Map.entry("Conv1D", Conv1D::fromKeras),
      Map.entry("Dense", Dense::fromKeras),
      Map.entry("Dropout", Dropout::fromKeras),
      Map.entry("Flatten", Flatten::fromKeras),
      Map.entry("GaussianNoise", GaussianNoise::fromKeras),
      Map.entry("GlobalAveragePooling1D", GlobalAveragePooling1D::fromKeras),
      Map.entry("LayerNormalization", LayerNormalization::fromKeras),
      Map.entry("MaxPooling1D", Pooling1D::fromKeras),
      Map.entry("Multiply", Multiply::fromKeras),
      Map.entry("Normalization", Normalization::fromKeras)));

  /** The reader for {@code className}; the error lists what is supported. */
  public static Reader reader(String className, String layer) {
    Reader r = READERS.get(className);
    if (r == null) {
      throw new IllegalArgumentException("layer '" + layer + "': class " + className + " is not supported; supported: "
          + String.join(", ", READERS.keySet()) + " (and InputLayer)");
    }
    return r;
  }

  /** Registers a layer class (for layers defined outside Kiln, as the README's example). */
  public static void register(String className, Reader reader) {
    READERS.put(className, reader);
  }

  public static List<String> supported() {
    return List.copyOf(READERS.keySet());
  }
}
