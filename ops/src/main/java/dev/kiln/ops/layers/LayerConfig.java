package dev.kiln.ops.layers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The config entries every Keras layer has (name, trainable, dtype), in Keras's order. */
final class LayerConfig {
  private LayerConfig() {}

  static Map<String, Object> base(String name) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("name", name);
    c.put("trainable", true);
    c.put("dtype", "float32");
    return c;
  }

  /**
   * The weight fields of Conv1D and Dense: Kiln initializes kernels Glorot-uniform and biases with zeros, and has no
   * regularizers or constraints, so only those values are accepted.
   */
  static void kernelAndBias(dev.kiln.ops.keras.KerasConfig c) {
    c.require("kernel_initializer", "GlorotUniform");
    c.require("bias_initializer", "Zeros");
    for (String f : List.of("kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
        "bias_constraint")) {
      c.require(f, (Object) null);
    }
  }
}
