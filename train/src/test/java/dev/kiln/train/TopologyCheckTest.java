package dev.kiln.train;

import dev.kiln.tpu.PluginLocator;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code kiln check --backend pjrt:tpu --topology v3-8} on a machine with no TPU: every conformance graph and the
 * seed's steps compile with libtpu; the training step has the seed's 8 replicas and does the work the model's
 * convolutions and dense layer take, counted by hand.
 */
class TopologyCheckTest {
  static Path libtpu() {
    Path dir = PluginLocator.cacheDir(PluginLocator.Kind.TPU);
    Path so = dir.resolve("libtpu.so");
    if (!java.nio.file.Files.isRegularFile(so)) {
      throw new AssertionError("libtpu not found in " + dir + ": run './kiln plugin install tpu' (.ci/run does this)");
    }
    return so;
  }

  /** Multiply-adds ×2 of the seed model's convolutions and dense layer, forward and backward, per sample. */
  static double seedTrainFlopsPerSample() {
    double conv1 = 2.0 * 20 * 5 * 130 * 64, conv2 = 2.0 * 20 * 5 * 64 * 64, dense = 2.0 * 1280;
    double forward = 2 * conv1 + conv2 + dense; // conv1d_1 and the skip conv1d read the input; conv1d_2 the branch
    // Backward: every kernel gradient (as much as forward), plus input gradients of conv1d_2 and the dense layer;
    // the first convolutions need none (nothing trainable lies before them).
    return forward + forward + conv2 + dense;
  }

  @Test
  void compilesEverythingForV3_8WithNoTpu() {
    TopologyCheck.Report r = TopologyCheck.run(libtpu(), "v3-8", 0, 5, new PrintStream(new ByteArrayOutputStream()));
    String table = TopologyCheck.table(r);
    assertEquals(0, r.failed(), table);
    assertTrue(r.rows().size() > 100, table);
    assertEquals("v3:2x2", r.nativeTopology());
    assertEquals(8, r.replicas());
    assertEquals(4096, r.globalBatch());
    TopologyCheck.Row train = r.step(TopologyCheck.TRAIN);
    assertEquals(8, train.replicas());
    for (String k : new String[] {"flops", "bytes accessed", "optimal_seconds"}) {
      assertTrue(train.cost().get(k) > 0, k + " in " + train.cost());
    }
    // Per device: 512 samples. XLA counts the elementwise work too (batch norm, noise, SGD): a few percent more.
    double want = 512 * seedTrainFlopsPerSample();
    double got = train.cost().get("flops");
    assertTrue(got >= want && got <= 1.05 * want, "flops " + got + " vs the layers' " + want);
    var json = TopologyCheck.json(r);
    @SuppressWarnings("unchecked")
    var step = (java.util.Map<String, Object>) json.get("train_step");
    assertEquals(4096 / train.cost().get("optimal_seconds"), (Double) step.get("est_samples_per_s"), 1e-6);
  }
}
