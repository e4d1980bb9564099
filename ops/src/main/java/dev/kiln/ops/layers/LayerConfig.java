package dev.kiln.ops.layers;

import java.util.LinkedHashMap;
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
}
