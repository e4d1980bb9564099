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

  /**
   * The fields BatchNormalization and LayerNormalization share: the last axis only (as -1 or its index, alone or in a
   * list), zero beta and unit gamma initializers, no regularizers or constraints.
   */
  static void lastAxisAffine(dev.kiln.ops.keras.KerasConfig c, List<int[]> in) {
    int rank = in.get(0).length + 1;
    c.require("axis", List.of(-1), List.of(rank - 1), -1, rank - 1);
    c.require("beta_initializer", "Zeros");
    c.require("gamma_initializer", "Ones");
    for (String f : List.of("beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint")) {
      c.require(f, (Object) null);
    }
  }

  /** gamma (when {@code scale}) and beta (when {@code center}) over {@code features}, Keras's names and starts. */
  static List<dev.kiln.ops.Variable> affineVariables(String name, int features, boolean center, boolean scale) {
    List<dev.kiln.ops.Variable> v = new java.util.ArrayList<>();
    if (scale) {
      v.add(new dev.kiln.ops.Variable(name + "/gamma", dev.kiln.core.Shape.of(features), true,
          new dev.kiln.ops.Variable.Fill(1)));
    }
    if (center) {
      v.add(new dev.kiln.ops.Variable(name + "/beta", dev.kiln.core.Shape.of(features), true,
          new dev.kiln.ops.Variable.Fill(0)));
    }
    return v;
  }
}
