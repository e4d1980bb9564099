package dev.kiln.train.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.core.Tensor;
import dev.kiln.ops.train.Adam;
import dev.kiln.ops.train.LrSchedule;
import dev.kiln.ops.train.Optimization;
import dev.kiln.ops.train.Sgd;
import dev.kiln.tpu.PluginLocator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * model.h5 files written by tf_keras's {@code model.save()} ({@code scripts/keras_saved_fixtures.py}, in the Keras
 * venv): the architecture and every weight as Keras saved them (each weight's sum against Keras's), the compile
 * settings as Kiln's optimizer, schedule and losses, and the settings Kiln does not support refused by their path.
 */
class KerasSavedModelTest {
  @TempDir static Path dir;

  @BeforeAll
  static void writeFixtures() throws Exception {
    Path venv = PluginLocator.cacheRoot().resolve("venvs/keras-2.21");
    Path py = venv.resolve("bin/python");
    if (!Files.isExecutable(py)) {
      throw new AssertionError("the Keras reference venv is missing: " + venv + " (make it with scripts/keras-venv.sh)");
    }
    Path script = Path.of("").toAbsolutePath().getParent().resolve("scripts/keras_saved_fixtures.py");
    Process p = new ProcessBuilder(py.toString(), script.toString(), dir.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
  }

  @Test
  void theArchitectureAndEveryWeightAreKerass() throws IOException {
    KerasSavedModel m = KerasSavedModel.read(dir.resolve("adam.h5"));
    JsonNode sums = new ObjectMapper().readTree(dir.resolve("adam.sums.json").toFile());
    assertEquals(sums.size(), m.weights().size());
    for (Iterator<String> it = sums.fieldNames(); it.hasNext(); ) {
      String keras = it.next();
      Tensor t = m.weights().get(keras.substring(0, keras.length() - 2));
      double sum = 0;
      for (float v : t.floats()) sum += v;
      assertEquals(sums.get(keras).asDouble(), sum, 1e-5 * Math.max(1, Math.abs(sum)), keras);
    }
    assertEquals(2 * 130 + 2 * 130 + 130 * 16 + 16 + 16 * 5 + 5, m.model().parameterCounts()[0]);
  }

  @Test
  void theCompileSettingsBecomeKilns() throws IOException {
    KerasCompile c = KerasSavedModel.read(dir.resolve("adam.h5")).compile(List.of("action"));
    Optimization o = c.optimization();
    assertEquals(new Adam(1e-3, 0.9, 0.999, 1e-6, true, 0), o.rule());
    assertEquals(new LrSchedule.Exponential(100, 0.9, true), o.schedule());
    assertEquals(new KerasCompile.Loss("bce", 0.01, false), c.losses().get("action"));
    KerasCompile sgd = KerasSavedModel.read(dir.resolve("sgd.h5")).compile(List.of("action"));
    assertEquals(new Sgd((float) 0.01, 0.9, true), sgd.optimization().rule()); // saved as its float32 value
    assertNull(sgd.optimization().schedule());
    assertNull(KerasSavedModel.read(dir.resolve("uncompiled.h5")).trainingConfig());
  }

  @Test
  void whatKilnDoesNotDoIsRefusedByItsPath() throws IOException {
    KerasSavedModel clip = KerasSavedModel.read(dir.resolve("clipnorm.h5"));
    assertEquals("training_config.optimizer_config.config.clipnorm is 1.0: gradient clipping is not supported",
        assertThrows(IllegalArgumentException.class, () -> clip.compile(List.of("action"))).getMessage());
    KerasSavedModel acc = KerasSavedModel.read(dir.resolve("accuracy.h5"));
    assertEquals("training_config.metrics[0][0] is MeanMetricWrapper 'accuracy'; Kiln reports AUC, Precision and Recall (as auc, "
        + "precision, recall)", assertThrows(IllegalArgumentException.class, () -> acc.compile(List.of("action")))
        .getMessage());
    assertEquals("training_config.loss.nope: no output of that name; the outputs are [action]",
        assertThrows(IllegalArgumentException.class, () -> KerasCompile.read("{\"optimizer_config\": {\"class_name\": "
            + "\"SGD\", \"config\": {}}, \"loss\": {\"nope\": \"mse\"}}", List.of("action"))).getMessage());
    Path weightsOnly = dir.resolve("not-a-model.h5");
    Files.write(weightsOnly, new byte[] {1, 2, 3});
    assertThrows(IOException.class, () -> KerasSavedModel.read(weightsOnly));
  }
}
