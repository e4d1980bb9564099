package dev.kiln.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The seed's model: Keras layer names, output shapes and parameter counts. */
class ModelTest {
  @Test
  void seedModelHasKerasNamesAndParameterCounts() {
    Model m = Model.seed(20, 130, 0.1);
    // Names follow creation order; Keras lists the layers by decreasing depth (the residual branch's first conv,
    // conv1d_1, is deeper than the skip conv, conv1d).
    List<String> names = m.kerasOrder().stream().map(n -> n.layer().name()).toList();
    assertEquals(List.of("input_1", "normalization", "gaussian_noise", "conv1d_1", "batch_normalization_1",
        "activation", "conv1d", "conv1d_2", "batch_normalization", "batch_normalization_2", "add", "activation_1",
        "flatten", "dense"), names);
    assertArrayEquals(new long[] {106_182, 105_537, 645}, m.parameterCounts());
    assertArrayEquals(new int[] {1280}, m.kerasOrder().get(12).shape());
    String s = m.summary();
    assertTrue(s.contains("Total params: 106,182"), s);
    assertTrue(s.contains("Trainable params: 105,537"), s);
    assertTrue(s.contains("Non-trainable params: 645"), s);
    assertTrue(s.contains("conv1d (Conv1D)") && s.contains("(None, 20, 64)") && s.contains("41664"), s);
    assertTrue(s.indexOf("conv1d_1 (Conv1D)") < s.indexOf("conv1d (Conv1D)"), s);
    assertTrue(s.contains("add (Add)") && s.contains("batch_normalization[0][0]")
        && s.contains("batch_normalization_2[0][0]"), s);
  }

  @Test
  void summaryColumnsStayAlignedOnLongNames() {
    String s = Model.seed(20, 130, 0.1).summary();
    for (String line : s.split("\n")) {
      if (line.isEmpty() || line.startsWith("_") || line.startsWith("=") || !line.startsWith(" ") && line.contains(":")
          && !line.contains("(")) {
        continue;
      }
      // Every column starts at Keras's positions 32, 53, 65: the two characters before each are spaces (or the line
      // ends before it).
      for (int col : new int[] {32, 53, 65}) {
        if (line.length() > col) {
          assertEquals("  ", line.substring(col - 2, col), "column at " + col + " in:\n" + line + "\n" + s);
        }
      }
    }
    // The long name is cut where Keras cuts it and continues on the next line, in its column.
    assertTrue(s.contains("batch_normalization_1 (BatchNo  (None, 20, 64)"), s);
    assertTrue(s.contains("\nrmalization)\n"), s);
  }

  @Test
  void variablesAreNamedLayerSlashVariable() {
    Model m = Model.seed(20, 130, 0.1);
    List<String> v = m.variables().stream().map(Variable::name).toList();
    assertTrue(v.containsAll(List.of("normalization/mean", "normalization/variance", "normalization/count",
        "conv1d/kernel", "conv1d/bias", "batch_normalization/gamma", "batch_normalization/beta",
        "batch_normalization/moving_mean", "batch_normalization/moving_variance", "dense/kernel", "dense/bias")), v.toString());
  }
}
