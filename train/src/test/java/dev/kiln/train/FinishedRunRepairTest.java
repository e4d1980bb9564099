package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.io.dataset.SyntheticMarket;
import dev.kiln.train.report.SafeTensors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run killed after its last checkpoint but before (or while) writing its reports: {@code --resume} rewrites the
 * missing or partial ones from the checkpoint without training, and the temporaries the kill left are removed
 * (only names Kiln's atomic writes give).
 */
class FinishedRunRepairTest {
  static TrainOptions options(Path data, Path out, boolean resume) {
    return new TrainOptions(data, out, 2, 64, 0.02, 0.9, 5, 4, 20, 0.1, 42, "java", null, 4, 0, 0, false, resume);
  }

  @Test
  void resumingAFinishedRunRewritesItsLostReportsFromTheCheckpoint(@TempDir Path dir) throws IOException {
    Path data = dir.resolve("data");
    SyntheticMarket.generate(data, new SyntheticMarket.Settings(20, 150, 7, 5, 2, -100f, 1.0, 20), null);
    Path run = dir.resolve("run");
    Trainer.Result done = new Trainer(options(data, run, false), new PrintStream(new ByteArrayOutputStream())).run();
    byte[] history = Files.readAllBytes(run.resolve("history.json"));
    byte[] roc = Files.readAllBytes(run.resolve("plots/roc.png"));
    byte[] loss = Files.readAllBytes(run.resolve("plots/loss.png"));
    byte[] weights = Files.readAllBytes(run.resolve("model.safetensors"));
    byte[] checkpoint = Files.readAllBytes(run.resolve("checkpoint.safetensors"));

    // What a kill while writing the reports leaves: some reports missing, one cut short, temporaries beside them.
    Files.delete(run.resolve("metrics.json"));
    Files.delete(run.resolve("plots/roc.png"));
    Files.delete(run.resolve("model.h5"));
    Files.write(run.resolve("model.safetensors"), new byte[] {1, 2, 3});
    Files.write(run.resolve("plots/loss.png"), java.util.Arrays.copyOf(loss, 500)); // cut short
    Path plotTmp = Files.write(run.resolve("plots/.loss.png.tmp-1f3a9c"), new byte[10]);
    Path ckptTmp = Files.write(run.resolve(".checkpoint.safetensors.tmp-7b"), new byte[10]);
    Path notOurs = Files.write(run.resolve("notes.tmp-1f3a9c"), new byte[1]);
    Path notOurs2 = Files.write(run.resolve(".notes.tmp-xyz"), new byte[1]);

    ByteArrayOutputStream log = new ByteArrayOutputStream();
    Trainer.Result repaired = new Trainer(options(data, run, true), new PrintStream(log)).run();
    String text = log.toString();
    assertTrue(text.contains("removed 2 temporary file(s)"), text);
    assertTrue(text.contains("rewriting [metrics.json, model.safetensors, model.h5, plots/loss.png, plots/roc.png]"), text);
    assertFalse(text.contains("Epoch "), "no training: " + text);
    assertFalse(Files.exists(plotTmp) || Files.exists(ckptTmp), "Kiln's temporaries are removed");
    assertTrue(Files.exists(notOurs) && Files.exists(notOurs2), "other files are left alone");

    assertArrayEquals(history, Files.readAllBytes(run.resolve("history.json")), "an intact report is kept");
    assertArrayEquals(checkpoint, Files.readAllBytes(run.resolve("checkpoint.safetensors")), "no epoch was trained");
    assertArrayEquals(roc, Files.readAllBytes(run.resolve("plots/roc.png")), "the same validation, the same plot");
    assertArrayEquals(loss, Files.readAllBytes(run.resolve("plots/loss.png")), "the history's plot, whole again");
    assertArrayEquals(weights, Files.readAllBytes(run.resolve("model.safetensors")));
    assertTrue(Files.size(run.resolve("model.h5")) > 1000);
    JsonNode metrics = Trainer.JSON.readTree(run.resolve("metrics.json").toFile());
    assertEquals(done.metrics().get("val_auc"), metrics.get("val_auc").asDouble());
    assertEquals(done.metrics().get("utility_score"), metrics.get("utility_score").asDouble());
    assertTrue(metrics.get("rewritten_from_checkpoint").asBoolean());
    assertEquals(done.history(), repaired.history());
    assertEquals(List.of(), RunReports.missing(run));
    SafeTensors.read(run.resolve("model.safetensors"));

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Trainer(options(data, run, true), new PrintStream(new ByteArrayOutputStream())).run());
    assertEquals("the checkpoint in " + run + " already has 2 of 2 epochs and its reports are complete; raise "
        + "--epochs to train further", e.getMessage());
  }
}
