package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.io.dataset.SyntheticMarket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kiln compile train / kiln train --executables on pjrt:cpu: the programs a run compiles, compiled once and loaded
 * by the same run, give the same history and weights bit for bit; another batch, model, plugin or device, and the
 * java backend, are refused in one line.
 */
class TrainExecutablesTest {
  @TempDir static Path shared;
  static Path data;
  static Path programs;

  /** kiln train's flags for a short run on pjrt:cpu: 1 epoch of 3 steps of 64, the data on the device. */
  static List<String> runFlags(String... more) {
    List<String> a = new ArrayList<>(List.of("--data", data.toString(), "--backend", "pjrt:cpu", "--batch-size", "64",
        "--epochs", "1", "--steps-per-epoch", "3", "--data-on-device", "always"));
    a.addAll(List.of(more));
    return a;
  }

  /** Runs kiln with {@code head} then {@code flags}, which must succeed; returns what it printed. */
  static String kiln(List<String> head, List<String> flags) {
    List<String> args = new ArrayList<>(head);
    args.addAll(flags);
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream stdout = System.out;
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      assertEquals(0, Main.commandLine().execute(args.toArray(String[]::new)), "kiln " + args);
    } finally {
      System.setOut(stdout);
    }
    return printed.toString(StandardCharsets.UTF_8);
  }

  @BeforeAll
  static void compileTheRunsPrograms() throws IOException {
    data = shared.resolve("data");
    SyntheticMarket.generate(data, new SyntheticMarket.Settings(20, 150, 7, 5, 2, -100f, 1.0, 20), null);
    programs = shared.resolve("programs");
    kiln(List.of("compile", "train", "--out", programs.toString()), runFlags());
  }

  @Test
  void aRunLoadingItsProgramsMatchesOneCompilingThemBitForBit() throws IOException {
    assertEquals(List.of("eval_step.bin", "eval_step_fed.bin", "manifest.json", "train_step.bin"),
        Files.list(programs).map(p -> p.getFileName().toString()).sorted().toList());
    JsonNode manifest = new ObjectMapper().readTree(programs.resolve("manifest.json").toFile());
    assertEquals(64, manifest.get("global_batch").asInt());
    assertEquals("seed", manifest.get("model").asText());
    Path compiled = shared.resolve("compiled"), loaded = shared.resolve("loaded");
    kiln(List.of("train", "--out", compiled.toString()), runFlags());
    String log = kiln(List.of("train", "--out", loaded.toString(), "--executables", programs.toString()), runFlags());
    assertTrue(log.contains("loading compiled steps from " + programs + " (3 programs for cpu)"), log);
    JsonNode h1 = new ObjectMapper().readTree(compiled.resolve("history.json").toFile());
    JsonNode h2 = new ObjectMapper().readTree(loaded.resolve("history.json").toFile());
    assertTrue(h1.get("loss").size() == 1 && h1.has("val_auc"), h1.toString());
    assertEquals(h1, h2);
    assertArrayEquals(Files.readAllBytes(compiled.resolve("model.safetensors")),
        Files.readAllBytes(loaded.resolve("model.safetensors")));
    // A finished run's lost report is rewritten from its checkpoint by the host-fed evaluation: loaded too.
    Files.delete(loaded.resolve("metrics.json"));
    String repair = kiln(List.of("train", "--resume", loaded.toString(), "--executables", programs.toString()),
        runFlags());
    assertTrue(repair.contains("rewriting [metrics.json]") && Files.exists(loaded.resolve("metrics.json")), repair);
  }

  /** Runs kiln train with {@code executables} through the API; returns its log, or throws its refusal. */
  static String train(Path executables, String backend, int batch, int window, Path out) throws IOException {
    TrainOptions o = new TrainOptions(data, out, 1, batch, 0.2, 0.9, 5, 4, window, 0.1, 42, backend, null, 3, 0, 0,
        false, false, 0, "always");
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    new Trainer(o, new PrintStream(log, true, StandardCharsets.UTF_8)).executables(executables).run();
    return log.toString(StandardCharsets.UTF_8);
  }

  @Test
  void anotherBatchOrModelIsRefusedNamingTheStep(@TempDir Path out) {
    String why = " for this run (compiled for model seed, global batch 64 on 1 device(s); another model, batch, "
        + "replica count, optimizer or data is another program, fingerprint ";
    var batch = assertThrows(IllegalArgumentException.class, () -> train(programs, "pjrt:cpu", 32, 20,
        out.resolve("b")));
    assertTrue(batch.getMessage().startsWith(programs + " holds no train_step" + why), batch.getMessage());
    assertTrue(batch.getMessage().endsWith("make the folder with kiln compile train and this run's flags"));
    var model = assertThrows(IllegalArgumentException.class, () -> train(programs, "pjrt:cpu", 64, 10,
        out.resolve("m")));
    assertTrue(model.getMessage().startsWith(programs + " holds no train_step" + why), model.getMessage());
    assertFalse(Files.exists(out.resolve("b").resolve("history.json")) || Files.exists(out.resolve("m")
        .resolve("history.json")));
  }

  /** A copy of the programs with {@code from} replaced by {@code to} in its manifest. */
  static Path edited(Path dir, String from, String to) throws IOException {
    Files.createDirectories(dir);
    try (var files = Files.list(programs)) {
      for (Path f : files.toList()) Files.copy(f, dir.resolve(f.getFileName()));
    }
    Path m = dir.resolve("manifest.json");
    String text = Files.readString(m);
    assertTrue(text.contains(from), text);
    Files.writeString(m, text.replace(from, to));
    return dir;
  }

  @Test
  void anotherDeviceOrPluginIsRefused(@TempDir Path tmp) throws IOException {
    Path device = edited(tmp.resolve("device"), "\"device_kind\" : \"cpu\"", "\"device_kind\" : \"NVIDIA H100\"");
    IOException d = assertThrows(IOException.class, () -> train(device, "pjrt:cpu", 64, 20, tmp.resolve("d")));
    assertEquals(device + " was compiled for NVIDIA H100; this backend's devices are cpu: compile again for this "
        + "device", d.getMessage());
    String sha = new ObjectMapper().readTree(programs.resolve("manifest.json").toFile()).get("plugin").get("sha256")
        .asText();
    Path plugin = edited(tmp.resolve("plugin"), sha, "0".repeat(64));
    IOException p = assertThrows(IOException.class, () -> train(plugin, "pjrt:cpu", 64, 20, tmp.resolve("p")));
    assertTrue(p.getMessage().startsWith(plugin + " was compiled with another plugin ("), p.getMessage());
  }

  @Test
  void theJavaBackendHasNothingToLoad(@TempDir Path out) {
    var e = assertThrows(IllegalArgumentException.class, () -> train(programs, "java", 64, 20, out.resolve("j")));
    assertEquals("--executables needs a PJRT backend: java compiles no programs to load", e.getMessage());
    var c = assertThrows(IllegalArgumentException.class, () -> new Trainer(new TrainOptions(data, out, 1, 64, 0.2,
        0.9, 5, 4, 20, 0.1, 42, "java", null, 3, 0, 0, false, false), new PrintStream(new ByteArrayOutputStream()))
        .compileTo(out.resolve("c")));
    assertEquals("kiln compile needs a PJRT backend (pjrt:cpu, pjrt:cuda or pjrt:tpu), not java", c.getMessage());
  }

  @Test
  void compileTrainRefusesTheSeedStepsFlagsInOneLineNamingItself(@TempDir Path tmp) {
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cl = Main.commandLine();
    cl.setErr(new java.io.PrintWriter(err, true));
    Path out = tmp.resolve("programs");
    int rc = cl.execute("compile", "--target", "h100", "train", "--data", data.toString(), "--out", out.toString());
    assertEquals(1, rc);
    assertEquals("kiln compile train: error: kiln compile train takes its flags after 'train' (kiln train's, --target "
        + "and --gpus); kiln compile's own flags are for the seed's bench steps", err.toString().strip());
    assertFalse(Files.exists(out));
  }

  @Test
  void programsCompiledForAGpuWithNoGpuAreRefusedByTheCpuPlugin(@TempDir Path tmp) throws IOException {
    Path gpu = tmp.resolve("h100");
    List<String> flags = new ArrayList<>(runFlags("--target", "h100"));
    flags.set(flags.indexOf("pjrt:cpu"), "pjrt:cuda");
    kiln(List.of("compile", "train", "--out", gpu.toString()), flags);
    JsonNode m = new ObjectMapper().readTree(gpu.resolve("manifest.json").toFile());
    assertEquals("NVIDIA H100 80GB HBM3", m.get("device_kind").asText());
    assertEquals("h100", m.get("target").asText());
    assertEquals(List.of("train_step", "eval_step", "eval_step_fed"),
        m.get("programs").findValuesAsText("name"));
    IOException e = assertThrows(IOException.class, () -> train(gpu, "pjrt:cpu", 64, 20, tmp.resolve("run")));
    assertTrue(e.getMessage().startsWith(gpu + " was compiled with another plugin (xla_cuda_plugin.so, PJRT API "),
        e.getMessage());
    TrainOptions auto = new TrainOptions(data, gpu, 1, 64, 0.2, 0.9, 5, 4, 20, 0.1, 42, "pjrt:cuda", null, 3, 0, 0,
        false, false);
    var a = assertThrows(IllegalArgumentException.class, () -> new Trainer(auto, System.out)
        .compileForTarget(tmp.resolve("no-plugin.so"), "h100", 1, tmp.resolve("auto")));
    assertTrue(a.getMessage().startsWith("--target needs --data-on-device always or never"), a.getMessage());
  }
}
