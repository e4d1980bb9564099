package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.kiln.io.dataset.SyntheticMarket;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} at a random step, then {@code --resume}: the history equals the uninterrupted run's, every float.
 * The killed run is a separate JVM running {@code kiln train}, killed with SIGKILL while it trains; the resumed and
 * the reference runs use the same backend and settings.
 */
class ResumeAfterKillTest {
  static final int EPOCHS = 3;

  static TrainOptions options(Path data, Path out, boolean resume) {
    return new TrainOptions(data, out, EPOCHS, 64, 0.02, 0.9, 5, 4, 20, 0.1, 42, "java", null, 12, 0, 0, false,
        resume);
  }

  static Map<String, List<Double>> history(Path out) throws Exception {
    return Trainer.JSON.readValue(out.resolve("history.json").toFile(),
        new TypeReference<LinkedHashMap<String, List<Double>>>() {});
  }

  @Test
  void resumingAKilledRunReproducesTheUninterruptedHistoryExactly(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    SyntheticMarket.generate(data, new SyntheticMarket.Settings(20, 150, 7, 5, 2, -100f, 1.0, 20), null);
    Path reference = dir.resolve("reference");
    new Trainer(options(data, reference, false), new PrintStream(new ByteArrayOutputStream())).run();

    long seed = new Random().nextLong();
    // Progress lines after "Epoch 2/3" begins: anywhere in epoch 2, up to its closing line (the checkpoint is written
    // right after it), so epoch 3 is still to run when the kill lands.
    int extraLines = new Random(seed).nextInt(12);
    Path killed = dir.resolve("killed");
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
        "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "train", "--data", data.toString(), "--out", killed.toString(), "--epochs", "" + EPOCHS, "--batch-size", "64",
        "--lr", "0.02", "--steps-per-epoch", "12", "--seed", "42", "--backend", "java"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("KILN_PLAIN_PROGRESS", "1");
    Process p = pb.start();
    List<String> seen = new ArrayList<>();
    boolean killedAlive = false;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      int after = -1;
      for (String line; (line = r.readLine()) != null; ) {
        seen.add(line);
        if (line.startsWith("Epoch 2/")) after = 0;
        else if (after >= 0) after++;
        if (after == extraLines) {
          killedAlive = p.isAlive();
          p.destroyForcibly(); // SIGKILL: no shutdown hooks, no flush
          break;
        }
      }
    }
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the killed run did not end");
    assertTrue(killedAlive, "the run finished before it could be killed (seed " + seed + "):\n" + String.join("\n", seen));
    assertTrue(p.exitValue() != 0, "killed runs do not exit cleanly");

    new Trainer(options(data, killed, true), new PrintStream(new ByteArrayOutputStream())).run();
    assertEquals(history(reference), history(killed), "killed after line " + extraLines + " of epoch 2 (seed " + seed
        + "); its output:\n" + String.join("\n", seen));
    assertTrue(Files.exists(killed.resolve("model.h5")));
  }
}
