package dev.kiln.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every layer's config starts with Keras's name, trainable and dtype entries. */
class LayerConfigTest {
  @Test
  void everySeedLayerHasKerasBaseConfig() {
    for (Model.Node n : Model.seed(20, 130, 0.1).nodes()) {
      Map<String, Object> c = n.layer().config();
      if (n.layer().className().equals("InputLayer")) {
        assertEquals(List.of(20, 130), ((List<?>) c.get("batch_input_shape")).subList(1, 3));
        continue;
      }
      assertEquals(n.layer().name(), c.get("name"));
      assertEquals(true, c.get("trainable"));
      assertEquals("float32", c.get("dtype"));
    }
  }
}
