package dev.kiln.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.ops.keras.KerasModels;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Keras {@code model.json} in: three architectures written with tf_keras 2.21 ({@code scripts/keras_fixtures.py},
 * committed as test resources with Keras's own parameter counts) build into Kiln models with Keras's counts and
 * gradients that match finite differences; unsupported classes and config values fail naming layer and field.
 */
class KerasModelsTest {
  static final List<String> FIXTURES = List.of("seed", "deeper", "normalized", "row_mlp", "starter_mlp");

  static String fixture(String name) throws IOException {
    try (InputStream in = KerasModelsTest.class.getResourceAsStream("/keras/" + name)) {
      if (in == null) throw new AssertionError("missing test resource keras/" + name);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void parameterCountsEqualKerasOnEveryFixture() throws IOException {
    for (String f : FIXTURES) {
      Model m = KerasModels.fromJson(fixture(f + ".json"));
      JsonNode counts = new ObjectMapper().readTree(fixture(f + ".counts.json"));
      assertArrayEquals(new long[] {counts.get("total").asLong(), counts.get("trainable").asLong(),
          counts.get("non_trainable").asLong()}, m.parameterCounts(), f);
      assertEquals(switch (f) { case "seed" -> "dense"; case "deeper" -> "dense_2"; case "normalized" -> "dense_3";
        case "row_mlp" -> "dense_6"; default -> "dense_11"; },
          m.output().layer().name(), f);
    }
  }

  /**
   * The supervised autoencoder (tf_keras-written): three outputs in the order of output_layers, Keras's parameter
   * counts, and a summary that lists them; a model with one output has no such line.
   */
  @Test
  void theAutoencoderHasThreeOutputsInKerasOrder() throws IOException {
    Model m = KerasModels.fromJson(fixture("autoencoder.json"));
    JsonNode counts = new ObjectMapper().readTree(fixture("autoencoder.counts.json"));
    assertArrayEquals(new long[] {counts.get("total").asLong(), counts.get("trainable").asLong(),
        counts.get("non_trainable").asLong()}, m.parameterCounts());
    assertEquals(List.of("decoder", "ae_action", "action"), m.outputNames());
    assertEquals("decoder", m.output().layer().name(), "output() is the first output");
    assertTrue(m.takesRows());
    assertTrue(m.summary().endsWith("Outputs (in order): decoder (None, 130), ae_action (None, 5), action (None, 5)\n"),
        m.summary());
    assertFalse(KerasModels.fromJson(fixture("row_mlp.json")).summary().contains("Outputs"));
  }

  /** One head of the autoencoder alone: the layers it depends on, none of the others'. */
  @Test
  void oneOutputOfSeveralKeepsOnlyItsAncestors() throws IOException {
    Model m = KerasModels.fromJson(fixture("autoencoder.json"));
    java.util.Set<String> all = new java.util.HashSet<>(m.variables().stream().map(Variable::name).toList());
    Model action = m.withOutput("action"), ae = m.withOutput("ae_action");
    assertEquals(List.of("action"), action.outputNames());
    assertEquals(List.of("ae_action"), ae.outputNames());
    List<String> actionVars = action.variables().stream().map(Variable::name).toList();
    List<String> aeVars = ae.variables().stream().map(Variable::name).toList();
    assertTrue(all.containsAll(actionVars) && all.containsAll(aeVars));
    assertTrue(aeVars.contains("decoder/kernel") && !actionVars.contains("decoder/kernel"), actionVars.toString());
    assertFalse(actionVars.contains("ae_action/kernel"));
    assertEquals(all, new java.util.HashSet<>(java.util.stream.Stream.concat(actionVars.stream(), aeVars.stream())
        .toList()), "the two heads together use every variable");
    assertEquals("no output 'dense'; the outputs are [decoder, ae_action, action]", assertThrows(
        IllegalArgumentException.class, () -> m.withOutput("dense")).getMessage());
  }

  /** Each output of a model with several is sigmoid or linear, flat, and at least one is sigmoid. */
  @Test
  void everyOutputOfSeveralIsSigmoidOrLinear() throws IOException {
    String tanh = error(editedAutoencoder("decoder", l -> ((ObjectNode) l.get("config")).put("activation", "tanh")));
    assertTrue(tanh.startsWith("the output layer 'decoder' (Dense) gives [130]; each output of a model with several "
        + "must be of shape [None, k] and either sigmoid"), tanh);
    String noSigmoid = error(editedAutoencoder(List.of("ae_action", "action"),
        l -> ((ObjectNode) l.get("config")).put("activation", "linear")));
    assertEquals("none of the outputs [decoder, ae_action, action] is sigmoid; Kiln trains binary labels, so at least "
        + "one output must be a sigmoid", noSigmoid);
    ObjectNode twice = (ObjectNode) new ObjectMapper().readTree(fixture("autoencoder.json"));
    ((ArrayNode) twice.get("config").get("output_layers")).add(twice.get("config").get("output_layers").get(2));
    assertEquals("output_layers names 'action' twice", error(twice.toString()));
  }

  /** The autoencoder fixture with one edit to layer {@code layer}. */
  static String editedAutoencoder(String layer, Consumer<ObjectNode> edit) throws IOException {
    return editedAutoencoder(List.of(layer), edit);
  }

  /** The autoencoder fixture with the same edit to each of {@code layers}. */
  static String editedAutoencoder(List<String> layers, Consumer<ObjectNode> edit) throws IOException {
    ObjectNode root = (ObjectNode) new ObjectMapper().readTree(fixture("autoencoder.json"));
    for (JsonNode l : root.get("config").get("layers")) {
      if (layers.contains(l.get("name").asText())) edit.accept((ObjectNode) l);
    }
    return root.toString();
  }

  @Test
  void theRowFixtureTakesRows() throws IOException {
    Model m = KerasModels.fromJson(fixture("row_mlp.json"));
    assertTrue(m.takesRows());
    assertEquals(1, m.window());
    assertEquals(130, m.features());
    assertTrue(m.summary().contains("[(None, 130)]"), m.summary());
    assertFalse(KerasModels.fromJson(fixture("deeper.json")).takesRows());
    assertEquals(20, KerasModels.fromJson(fixture("deeper.json")).window());
  }

  @Test
  void theSeedFixtureIsTheSeedModel() throws IOException {
    Model keras = KerasModels.fromJson(fixture("seed.json"));
    Model seed = Model.seed(20, 130, 0.1);
    java.util.Comparator<Variable> byName = java.util.Comparator.comparing(Variable::name);
    assertEquals(seed.variables().stream().sorted(byName).toList(), keras.variables().stream().sorted(byName).toList());
    // Kiln orders the seed's layers as Keras does; the imported model keeps the file's (Keras's) order.
    assertEquals(seed.summary(), keras.summary());
  }

  @Test
  void everyFixturesGradientsMatchFiniteDifferences() throws IOException {
    for (String f : FIXTURES) ModelGradientTest.check(KerasModels.fromJson(fixture(f + ".json")), 4, 0);
  }

  /** The seed fixture with one edit to layer {@code layer}'s config. */
  static String edited(String layer, Consumer<ObjectNode> edit) throws IOException {
    ObjectNode root = (ObjectNode) new ObjectMapper().readTree(fixture("deeper.json"));
    for (JsonNode l : root.get("config").get("layers")) {
      if (l.get("name").asText().equals(layer)) edit.accept((ObjectNode) l);
    }
    return root.toString();
  }

  static String error(String json) {
    return assertThrows(IllegalArgumentException.class, () -> KerasModels.fromJson(json)).getMessage();
  }

  @Test
  void unsupportedLayersAndValuesAreNamed() throws IOException {
    String cls = error(edited("dropout", l -> l.put("class_name", "LSTM")));
    assertTrue(cls.startsWith("layer 'dropout': class LSTM is not supported; supported: Activation, Add,"), cls);
    String pad = error(edited("max_pooling1d", l -> ((ObjectNode) l.get("config")).put("padding", "same")));
    assertEquals("layer 'max_pooling1d' (MaxPooling1D): padding 'same' is not supported; supported: valid", pad);
    String reg = error(edited("conv1d_3", l -> ((ObjectNode) l.get("config")).putObject("kernel_regularizer")
        .put("class_name", "L2")));
    assertEquals("layer 'conv1d_3' (Conv1D): kernel_regularizer is L2; supported: null", reg);
    String act = error(edited("activation_2", l -> ((ObjectNode) l.get("config")).put("activation", "softmax")));
    assertTrue(act.startsWith("layer 'activation_2' (Activation): activation 'softmax' is not supported; supported: "
        + "relu, sigmoid, tanh, linear, elu, gelu, swish"), act);
    String unknown = error(edited("dense_1", l -> ((ObjectNode) l.get("config")).put("lora_rank", 4)));
    assertTrue(unknown.startsWith("layer 'dense_1' (Dense): unsupported config field(s) [lora_rank]"), unknown);
    String frozen = error(edited("dense_1", l -> ((ObjectNode) l.get("config")).put("trainable", false)));
    assertEquals("layer 'dense_1' (Dense): trainable is false; supported: true", frozen);
  }

  @Test
  void theOutputMustBeSigmoidUnits() throws IOException {
    String linear = error(edited("dense_2", l -> ((ObjectNode) l.get("config")).put("activation", "linear")));
    assertTrue(linear.contains("the output layer 'dense_2' (Dense) gives [1] without a sigmoid"), linear);
    assertTrue(linear.endsWith("; a linear output trained from logits takes --from-logits dense_2 (a compiled "
        + "model.h5 says so itself)"), linear);
    assertTrue(linear.contains("one sigmoid output of shape [None, k], one unit per target"), linear);
    // k sigmoid units: one per target.
    String wide = edited("dense_2", l -> ((ObjectNode) l.get("config")).put("units", 3));
    assertEquals(3, KerasModels.fromJson(wide).units());
    String shared = error(edited("dense_1", l -> ((ArrayNode) l.get("inbound_nodes")).add(l.get("inbound_nodes").get(0))));
    assertTrue(shared.contains("layer 'dense_1' is called 2 times"), shared);
  }
}
