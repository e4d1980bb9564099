package dev.kiln.train.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * EarlyStopping, ReduceLROnPlateau and ModelCheckpoint(save_best_only) against tf_keras 2.21's own callbacks fed the
 * same scripted epoch logs (scripts/keras_optimizer_fixtures.py wrote keras/callbacks.json): after every epoch, whether
 * fit stops, the learning rate and whether the model was saved; and EarlyStopping's best and stopped epochs.
 */
class CallbacksKerasTest {
  private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

  @Test
  void everyCallbackDecidesAsKerasDoes() throws IOException {
    JsonNode root;
    try (InputStream in = getClass().getResourceAsStream("/keras/callbacks.json")) {
      root = new ObjectMapper().readTree(in);
    }
    JsonNode cases = root.get("cases");
    assertTrue(cases.size() >= 15, "cases: " + cases.size());
    for (JsonNode c : cases) run(c, root.get("logs"));
  }

  private static void run(JsonNode c, JsonNode logs) {
    String name = c.get("name").asText();
    JsonNode a = c.get("args");
    float[] lr = {(float) c.get("initial_lr").asDouble()};
    List<Integer> saved = new ArrayList<>();
    FitLoop.Hook hook = switch (c.get("callback").asText()) {
      case "EarlyStopping" -> new EarlyStoppingHook(new EarlyStoppingHook.Config(a.get("monitor").asText(),
          a.path("min_delta").asDouble(0), a.path("patience").asInt(0), a.path("mode").asText("auto"),
          a.has("baseline") ? a.get("baseline").asDouble() : null, a.path("restore_best_weights").asBoolean(false)),
          null, List.of(), QUIET);
      case "ReduceLROnPlateau" -> new ReduceLrOnPlateauHook(new ReduceLrOnPlateauHook.Config(a.get("monitor").asText(),
          a.get("factor").asDouble(), a.get("patience").asInt(), a.path("mode").asText("auto"),
          a.path("min_delta").asDouble(1e-4), a.path("cooldown").asInt(0), a.path("min_lr").asDouble(0)),
          new ReduceLrOnPlateauHook.Rate() {
            @Override
            public float get() {
              return lr[0];
            }

            @Override
            public void set(float v) {
              lr[0] = v;
            }
          }, QUIET);
      default -> new SaveBestHook(new SaveBestHook.Config(a.get("monitor").asText(), a.path("mode").asText("auto")),
          null, List.of(), (epoch, vars) -> saved.add(epoch), QUIET);
    };
    JsonNode epochs = c.get("epochs");
    int ran = 0;
    for (int epoch = 0; epoch < logs.get("val_loss").size(); epoch++) {
      Map<String, Double> l = new LinkedHashMap<>();
      int e0 = epoch;
      logs.fields().forEachRemaining(f -> l.put(f.getKey(), f.getValue().get(e0).asDouble()));
      float before = lr[0];
      hook.epochEnd(new FitLoop.EpochEvent(epoch, 1, 0, l));
      JsonNode want = epochs.get(epoch);
      String at = name + ", epoch " + (epoch + 1);
      assertEquals(want.get("stop").asBoolean(), hook.stopTraining(), at + ": stop");
      assertEquals((float) want.get("lr").asDouble(), lr[0], 0f, at + ": learning rate");
      assertEquals(want.get("saved").asBoolean(), saved.contains(epoch), at + ": saved");
      if (hook instanceof ReduceLrOnPlateauHook) assertEquals((double) before, l.get("lr"), at + ": lr logged");
      ran++;
      if (hook.stopTraining()) break;
    }
    assertEquals(epochs.size(), ran, name + ": epochs run");
    if (hook instanceof EarlyStoppingHook es) {
      assertEquals(c.get("best_epoch").asInt(), es.state().bestEpoch(), name + ": best epoch");
      assertEquals(c.get("stopped_epoch").asInt(), es.state().stoppedEpoch(), name + ": stopped epoch");
    }
  }

  @Test
  void badSettingsAreOneLineErrorsNamingTheFlag() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ReduceLrOnPlateauHook.Config("val_loss", 1.5, 2, "auto", 1e-4, 0, 0));
    assertTrue(e.getMessage().startsWith("--reduce-lr-on-plateau FACTOR"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new EarlyStoppingHook.Config("val_auc", Double.NaN, 1, "auto", null, false));
    assertTrue(e.getMessage().startsWith("--early-stopping-min-delta"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new SaveBestHook.Config("val_auc", "up"));
    assertTrue(e.getMessage().startsWith("--save-best-mode"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Monitors.check("--save-best", "val_accuracy"));
    assertTrue(e.getMessage().contains("val_auc"), e.getMessage());
  }
}
