package dev.kiln.train;

import java.util.ArrayList;
import java.util.List;

/** Keras model.json text for tests: input [20, 130], then the given Dense layers, Flatten, Dense(1, sigmoid). */
final class DeepModelJson {
  private DeepModelJson() {}

  /** {@code layers} Dense(2) layers in a chain before the Flatten. */
  static String chain(int layers) {
    List<String> list = new ArrayList<>();
    list.add("{\"class_name\": \"InputLayer\", \"name\": \"in\", \"config\": {\"batch_input_shape\": [null, 20, 130], "
        + "\"dtype\": \"float32\", \"name\": \"in\"}, \"inbound_nodes\": []}");
    String prev = "in";
    for (int i = 0; i < layers; i++) {
      list.add(layer("Dense", "d" + i, "\"units\": 2, \"activation\": \"linear\"", prev));
      prev = "d" + i;
    }
    list.add(layer("Flatten", "flat", "\"data_format\": \"channels_last\"", prev));
    list.add(layer("Dense", "out", "\"units\": 1, \"activation\": \"sigmoid\"", "flat"));
    return model(list, "out");
  }

  /** Flatten, then one Dense of {@code units} (relu), then the sigmoid output. */
  static String wide(int units) {
    List<String> list = new ArrayList<>();
    list.add("{\"class_name\": \"InputLayer\", \"name\": \"in\", \"config\": {\"batch_input_shape\": [null, 20, 130], "
        + "\"dtype\": \"float32\", \"name\": \"in\"}, \"inbound_nodes\": []}");
    list.add(layer("Flatten", "flat", "\"data_format\": \"channels_last\"", "in"));
    list.add(layer("Dense", "wide", "\"units\": " + units + ", \"activation\": \"relu\"", "flat"));
    list.add(layer("Dense", "out", "\"units\": 1, \"activation\": \"sigmoid\"", "wide"));
    return model(list, "out");
  }

  private static String model(List<String> layers, String output) {
    return "{\"class_name\": \"Functional\", \"config\": {\"name\": \"m\", \"layers\": [" + String.join(",", layers)
        + "], \"input_layers\": [[\"in\", 0, 0]], \"output_layers\": [[\"" + output + "\", 0, 0]]}}";
  }

  private static String layer(String cls, String name, String config, String inbound) {
    return "{\"class_name\": \"" + cls + "\", \"name\": \"" + name + "\", \"config\": {\"name\": \"" + name
        + "\", \"trainable\": true, \"dtype\": \"float32\", " + config + "}, \"inbound_nodes\": [[[\"" + inbound
        + "\", 0, 0, {}]]]}";
  }
}
