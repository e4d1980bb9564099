package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.backend.Backend;
import dev.kiln.tpu.Backends;
import dev.kiln.tpu.PluginLocator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kiln compile / --executables: steps compiled once, serialized with a manifest, and loaded instead of compiled by
 * bench on the same plugin and device; another batch, plugin or device, or a damaged file, is refused in one line.
 */
class CompiledStepsTest {
  @TempDir Path tmp;

  private Path compileOnCpu(int batch) throws IOException {
    Path out = tmp.resolve("cpu-" + batch);
    try (Backend b = Backends.open("pjrt:cpu", null, Map.of())) {
      CompiledSteps.compileOn(b, batch, out, new PrintStream(new ByteArrayOutputStream()));
    }
    return out;
  }

  private static String bench(int batch, Path executables) throws IOException {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    Bench.run("pjrt:cpu", null, batch, 2, 1, 1, 0, true, executables, new PrintStream(log, true, StandardCharsets.UTF_8));
    return log.toString(StandardCharsets.UTF_8);
  }

  @Test
  void benchLoadsTheCompiledStepInsteadOfCompilingIt() throws IOException {
    Path dir = compileOnCpu(64);
    assertTrue(Files.isRegularFile(dir.resolve("manifest.json")) && Files.size(dir.resolve("train_step.bin")) > 0);
    assertEquals(List.of("eval_step.bin", "manifest.json", "train_step.bin"),
        Files.list(dir).map(p -> p.getFileName().toString()).sorted().toList());
    String log = bench(64, dir);
    assertTrue(log.contains("compiled nothing: 1 step(s) loaded from " + dir), log);
  }

  @Test
  void anotherBatchIsRefusedNotCompiled() throws IOException {
    Path dir = compileOnCpu(64);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bench(32, dir));
    assertTrue(e.getMessage().startsWith(dir + " holds no executable for this program (another model, batch"),
        e.getMessage());
  }

  @Test
  void aDamagedProgramIsRefused() throws IOException {
    Path dir = compileOnCpu(64);
    byte[] b = Files.readAllBytes(dir.resolve("train_step.bin"));
    b[b.length / 2] ^= 1;
    Files.write(dir.resolve("train_step.bin"), b);
    IOException e = assertThrows(IOException.class, () -> bench(64, dir));
    assertEquals(dir.resolve("train_step.bin") + " does not match its sha256 in the manifest: the file is damaged",
        e.getMessage());
  }

  @Test
  void anotherDeviceIsRefused() throws IOException {
    Path dir = compileOnCpu(64);
    Path m = dir.resolve("manifest.json");
    Files.writeString(m, Files.readString(m).replace("\"device_kind\" : \"cpu\"", "\"device_kind\" : \"NVIDIA H100\""));
    IOException e = assertThrows(IOException.class, () -> bench(64, dir));
    assertEquals(dir + " was compiled for NVIDIA H100; this backend's devices are cpu: compile again for this device",
        e.getMessage());
  }

  @Test
  void stepsCompiledForAGpuTargetAreRefusedByAnotherPlugin() throws IOException {
    Path dir = tmp.resolve("h100");
    CompiledSteps.compileForTarget(PluginLocator.cudaCompiler(null), "h100", 1, 64, dir,
        new PrintStream(new ByteArrayOutputStream()));
    String manifest = Files.readString(dir.resolve("manifest.json"));
    assertTrue(manifest.contains("\"device_kind\" : \"NVIDIA H100 80GB HBM3\"") && manifest.contains("\"target\" : "
        + "\"h100\""), manifest);
    IOException e = assertThrows(IOException.class, () -> bench(64, dir));
    assertTrue(e.getMessage().startsWith(dir + " was compiled with another plugin (xla_cuda_plugin.so, PJRT API 0.116)"),
        e.getMessage());
  }

  @Test
  void anExistingOutIsRefused() throws IOException {
    Path dir = compileOnCpu(64);
    byte[] before = Files.readAllBytes(dir.resolve("manifest.json"));
    try (Backend b = Backends.open("pjrt:cpu", null, Map.of())) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> CompiledSteps.compileOn(b, 64, dir, System.out));
      assertEquals(dir + " exists: choose a new --out", e.getMessage());
    }
    assertEquals(new String(before, StandardCharsets.UTF_8), Files.readString(dir.resolve("manifest.json")));
  }
}
