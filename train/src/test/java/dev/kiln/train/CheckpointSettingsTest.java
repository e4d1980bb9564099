package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.ops.train.LrSchedule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A resumed run must ask for the settings its checkpoint recorded; the optimizer's config, recorded as JSON text,
 * compares by its fields in any order (an ExponentialDecay's config had no fixed order, so a run could not be
 * resumed in another JVM).
 */
class CheckpointSettingsTest {
  private static final String SAVED = "{\"amsgrad\":true,\"lr_schedule\":{\"decay_rate\":0.5,\"decay_steps\":2,"
      + "\"class_name\":\"ExponentialDecay\",\"staircase\":false}}";

  @Test
  void theOptimizersConfigComparesByItsFieldsInAnyOrder() {
    Map<String, Object> saved = Map.of("optimizer", "adam", "optimizer_config", SAVED, "epochs", 3);
    String reordered = "{\"lr_schedule\":{\"staircase\":false,\"class_name\":\"ExponentialDecay\",\"decay_steps\":2,"
        + "\"decay_rate\":0.5},\"amsgrad\":true}";
    assertEquals(List.of(), Checkpoint.differences(saved, Map.of("optimizer", "adam", "optimizer_config", reordered,
        "epochs", 3.0)));
    String other = reordered.replace("0.5", "0.6");
    assertEquals(List.of("optimizer_config was " + SAVED + ", now " + other), Checkpoint.differences(saved,
        Map.of("optimizer_config", other)));
    assertEquals(List.of("optimizer was adam, now sgd"), Checkpoint.differences(saved, Map.of("optimizer", "sgd")));
  }

  @Test
  void anExponentialDecaysConfigHasOneOrder() {
    assertEquals(List.of("class_name", "decay_steps", "decay_rate", "staircase"),
        new ArrayList<>(new LrSchedule.Exponential(2, 0.5, false).config().keySet()));
  }
}
