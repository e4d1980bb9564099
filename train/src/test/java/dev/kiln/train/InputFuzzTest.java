package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.Tensor;
import dev.kiln.train.report.SafeTensors;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Hostile input through the CLI entry point, in process: bad sizes, misused options, unusable outputs, corrupted
 * models and checkpoints, a model too big for the heap, a JVM error. Each must exit non-zero with exactly one error
 * line that names no Java exception class.
 */
class InputFuzzTest {
  @TempDir Path dir;

  private static final Pattern JAVA_NAMES = Pattern.compile("\\b[A-Z]\\w*(Exception|Error)\\b|\\bjava\\.\\w");

  /** Runs {@code kiln args} and returns its one error line, after checking the exit code and the line's form. */
  static String fails(CommandLine cl, String... args) {
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err, true));
    cl.setOut(new PrintWriter(new StringWriter(), true));
    int code = cl.execute(args);
    String text = err.toString();
    String what = String.join(" ", args) + " ->\n" + text;
    assertTrue(code != 0, "exit code 0: " + what);
    assertEquals(1, text.strip().lines().count(), "one error line: " + what);
    assertTrue(text.startsWith("kiln") && text.contains("error: "), what);
    assertFalse(JAVA_NAMES.matcher(text).find(), "Java exception names: " + what);
    return text.strip();
  }

  static String fails(String... args) {
    return fails(Main.commandLine(), args);
  }

  @Test
  void sizesAndCountsMustBePositive() {
    String data = dir.resolve("no-data").toString(), out = dir.resolve("run").toString();
    assertEquals("kiln train: error: --batch-size must be at least 1, got 0",
        fails("train", "--data", data, "--out", out, "--batch-size", "0"));
    assertEquals("kiln train: error: --epochs must be at least 1, got -3",
        fails("train", "--data", data, "--out", out, "--epochs", "-3"));
    assertEquals("kiln train: error: --window must be at least 1, got 0",
        fails("train", "--data", data, "--out", out, "--window", "0"));
    assertEquals("kiln train: error: --folds must be at least 2, got 0",
        fails("train", "--data", data, "--out", out, "--folds", "0"));
    assertEquals("kiln train: error: --steps-per-epoch must be >= 0, got -1",
        fails("train", "--data", data, "--out", out, "--steps-per-epoch", "-1"));
    assertEquals("kiln predict: error: --batch-size must be at least 1, got 0",
        fails("predict", "--model", dir.toString(), "--data", data, "--out", out + ".csv", "--batch-size", "0"));
    assertEquals("kiln predict: error: --fold must be at least 0, got -1",
        fails("predict", "--model", dir.toString(), "--data", data, "--out", out + ".csv", "--fold", "-1"));
    assertEquals("kiln bench: error: --steps must be at least 1, got 0", fails("bench", "--steps", "0"));
    assertEquals("kiln bench: error: --batch must be at least 1, got -5", fails("bench", "--batch", "-5"));
    assertEquals("kiln summary: error: --window must be at least 1, got 0", fails("summary", "--window", "0"));
    assertEquals("kiln inspect: error: --window must be at least 1, got 0", fails("inspect", data, "--window", "0"));
    fails("convert", "--csv", data, "--out", out, "--folds", "0");
    fails("synth", "--out", out, "--days", "0");
  }

  @Test
  void misusedOptionsAreOneLine() {
    assertEquals("kiln train: error: Invalid value for option '--batch-size': 'abc' is not an int (see 'kiln train "
        + "--help')", fails("train", "--data", "d", "--out", "o", "--batch-size", "abc"));
    assertTrue(fails("train", "--out", "o").startsWith("kiln train: error: Missing required option: '--data"));
    assertTrue(fails("train", "--data", "d", "--out", "o", "--no-such-option").contains("Unknown option"));
    assertTrue(fails("no-such-command").startsWith("kiln: error: Unmatched argument"));
    assertTrue(fails("predict", "--model").startsWith("kiln predict: error: Missing required parameter"));
  }

  @Test
  void unusableOutputsSayWhy() throws IOException {
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    assertEquals("kiln train: error: output folder " + file + " is a file, not a folder",
        fails("train", "--data", "d", "--out", file.toString()));
    assertEquals("kiln train: error: " + file.resolve("sub") + ": Not a directory",
        fails("train", "--data", "d", "--out", file.resolve("sub").toString()));
    Path model = Files.createDirectories(dir.resolve("model"));
    assertEquals("kiln predict: error: --out " + model.resolve("model.safetensors") + " is inside the model folder "
        + model + ", whose files it could replace; write elsewhere, or pass --force",
        fails("predict", "--model", model.toString(), "--data", "d", "--out", model.resolve("model.safetensors")
            .toString()));
    assertEquals("kiln predict: error: no model.json in " + model + " (train a model first)",
        fails("predict", "--model", model.toString(), "--data", "d", "--out", model.resolve("p.csv").toString(),
            "--force"), "--force writes inside the model folder: predict goes on to read the model");
    assertEquals("kiln predict: error: --out " + dir + " is a folder, not a file",
        fails("predict", "--model", model.toString(), "--data", "d", "--out", dir.toString()));
    assertEquals("kiln predict: error: --out " + file.resolve("p.csv") + ": " + file + " is a file, not a folder",
        fails("predict", "--model", model.toString(), "--data", "d", "--out", file.resolve("p.csv").toString()));
  }

  @Test
  void corruptedModelFilesAreOneLine() throws IOException {
    String seed = "{\"kiln\": {\"model\": \"seed\", \"window\": 20, \"features\": 130, \"noise\": 0.1}}";
    String keras = DeepModelJson.chain(3);
    Path truncated = Files.writeString(dir.resolve("truncated.json"), keras.substring(0, keras.length() / 2));
    Path garbled = Files.write(dir.resolve("garbled.json"), new byte[] {'{', (byte) 0xff, 0, 7, '"', ':'});
    Path wrongShape = Files.writeString(dir.resolve("array.json"), "[1, 2, 3]");
    assertTrue(fails("summary", "--model", truncated.toString()).startsWith("kiln summary: error: " + truncated
        + ": not valid JSON"));
    assertEquals("kiln summary: error: " + garbled + ": not a model.json: the file is not UTF-8 text",
        fails("summary", "--model", garbled.toString()));
    assertTrue(fails("summary", "--model", wrongShape.toString()).contains("class_name"));
    assertTrue(fails("train", "--data", "d", "--out", dir.resolve("r").toString(), "--model", truncated.toString())
        .startsWith("kiln train: error: " + truncated + ": not valid JSON"));

    Path model = Files.createDirectories(dir.resolve("model"));
    Files.write(model.resolve("model.safetensors"), new byte[64]);
    Files.writeString(model.resolve("model.json"), seed.substring(0, 20));
    String out = dir.resolve("p.csv").toString();
    String cut = fails("predict", "--model", model.toString(), "--data", "d", "--out", out);
    assertTrue(cut.startsWith("kiln predict: error: " + model.resolve("model.json") + ": not valid JSON: "), cut);
    Files.writeString(model.resolve("model.json"), "{\"kiln\": {\"model\": \"seed\", \"window\": \"20\"}}");
    assertEquals("kiln predict: error: " + model.resolve("model.json") + ": kiln.noise is null, not a number >= 0",
        fails("predict", "--model", model.toString(), "--data", "d", "--out", out));
    Files.writeString(model.resolve("model.json"), seed.replace("20", "\"20\""));
    assertEquals("kiln predict: error: " + model.resolve("model.json") + ": kiln.window is 20, not a whole number >= 1",
        fails("predict", "--model", model.toString(), "--data", "d", "--out", out));
    Files.writeString(model.resolve("model.json"), seed);
    byte[] header = new byte[64];
    header[0] = 100; // declares a 100-byte header in a 64-byte file
    Files.write(model.resolve("model.safetensors"), header);
    String length = fails("predict", "--model", model.toString(), "--data", "d", "--out", out);
    assertTrue(length.contains("model.safetensors: not a valid safetensors file: declared header length 100 exceeds "
        + "the 56 bytes"), length);
    byte[] notJson = "\u0010\0\0\0\0\0\0\0{\"a\": [1, 2}    ".getBytes(StandardCharsets.ISO_8859_1);
    Files.write(model.resolve("model.safetensors"), notJson);
    String json = fails("predict", "--model", model.toString(), "--data", "d", "--out", out);
    assertTrue(json.contains("header is not valid JSON"), json);
  }

  /** A checkpoint whose metadata Kiln itself wrote (a valid CRC) but holds {@code epochs}. */
  private Path checkpointWithEpochs(String epochs) throws IOException {
    Path run = Files.createDirectories(dir.resolve("run-" + epochs.hashCode()));
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", "kiln-checkpoint");
    meta.put("epochs_done", epochs);
    meta.put("data_batches", "8");
    meta.put("history", "{\"loss\": [0.7]}");
    meta.put("options", "{}");
    LinkedHashMap<String, Tensor> t = new LinkedHashMap<>();
    t.put("dense/bias", Tensor.of(new float[] {0.5f}, 1));
    SafeTensors.write(run.resolve("checkpoint.safetensors"), t, meta);
    return run;
  }

  @Test
  void checkpointMetadataIsCheckedAndCoveredByItsCrc() throws IOException {
    for (String bad : new String[] {"-3", "abc", "0", "99999999999"}) {
      Path run = checkpointWithEpochs(bad);
      assertEquals("kiln train: error: " + run.resolve("checkpoint.safetensors") + ": checkpoint metadata epochs_done "
          + "is \"" + bad + "\", not a whole number from 1 to 1000000",
          fails("train", "--data", "d", "--resume", run.toString()));
    }
    Path run = checkpointWithEpochs("1");
    Path ckpt = run.resolve("checkpoint.safetensors");
    byte[] b = Files.readAllBytes(ckpt);
    String text = new String(b, StandardCharsets.ISO_8859_1);
    int at = text.indexOf("\"epochs_done\":\"1\"") + "\"epochs_done\":\"".length();
    b[at] = '9'; // an edit of the value alone, the header's length unchanged
    Files.write(ckpt, b);
    assertTrue(fails("train", "--data", "d", "--resume", run.toString()).matches("kiln train: error: "
        + Pattern.quote(ckpt.toString()) + ": its metadata is corrupt: their CRC32C is [0-9a-f]{8}, the file "
        + "recorded [0-9a-f]{8}"));
  }

  @Test
  void aModelTooBigForTheHeapIsRefusedWithTheFigures() throws IOException {
    String huge = DeepModelJson.wide(200_000);
    Path model = Files.writeString(dir.resolve("huge.json"), huge);
    String line = fails("train", "--data", dir.resolve("no-data").toString(), "--out", dir.resolve("r").toString(),
        "--model", model.toString());
    assertTrue(line.matches("kiln train: error: the model needs at least [\\d.]+ GiB of memory \\(520,\\d{3},\\d{3} "
        + "parameters and the optimizer's state, and activations for a batch of 4096\\), more than the [\\d.]+ GiB the "
        + "Java heap may use; .*KILN_JAVA_OPTS=-Xmx<size>"), line);
  }

  /** A command that fails the way a bad input can make the JVM fail. */
  @CommandLine.Command(name = "boom")
  static final class Boom implements Callable<Integer> {
    @CommandLine.Option(names = "--what") String what;

    @Override
    public Integer call() {
      if (what.equals("stack")) return recurse(0);
      throw new OutOfMemoryError("Java heap space");
    }

    private static int recurse(int depth) {
      return recurse(depth + 1) + 1;
    }
  }

  @Test
  void errorsOfTheJvmAreOneLineToo() {
    CommandLine cl = Main.commandLine();
    cl.addSubcommand("boom", new Boom());
    assertEquals("kiln boom: error: the input is nested too deeply for the Java stack; raise it with "
        + "KILN_JAVA_OPTS=-Xss<size>", fails(cl, "boom", "--what", "stack"));
    assertTrue(fails(cl, "boom", "--what", "heap").startsWith("kiln boom: error: out of memory: the Java heap may use "));
  }

  /** The data side through the CLI: non-finite values, a length that lies, a CSV value that is infinite in float32. */
  @Test
  void hostileDataIsOneLineAndNeverTrainedOn() throws IOException {
    Path data = dir.resolve("data");
    dev.kiln.io.dataset.SyntheticMarket.generate(data,
        new dev.kiln.io.dataset.SyntheticMarket.Settings(20, 150, 7, 5, 2, -100f, 1.0, 20), null);
    String[] run = {"train", "--data", data.toString(), "--out", dir.resolve("run").toString(), "--epochs", "1",
        "--batch-size", "64", "--steps-per-epoch", "2"};
    for (String[] flag : new String[][] {{"--noise", "NaN"}, {"--lr", "Infinity"}, {"--momentum", "NaN"}}) {
      String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(run), java.util.Arrays.stream(flag))
          .toArray(String[]::new);
      assertTrue(fails(args).contains("finite"), String.join(" ", flag));
    }
    String stats = Files.readString(data.resolve("stats.json"));
    Files.writeString(data.resolve("stats.json"), stats.replaceFirst("\"4\":\\{\"length\":\\d+",
        "\"4\":{\"length\":549755813888"));
    String[] noStepCount = java.util.Arrays.copyOf(run, run.length - 2);
    assertTrue(fails(noStepCount).contains("549755813888"));
    Path csv = dir.resolve("train.csv");
    StringBuilder b = new StringBuilder("date,weight,resp_1,resp_2,resp_3,resp_4,resp");
    for (int f = 0; f < 130; f++) b.append(",feature_").append(f);
    b.append(",ts_id\n");
    for (int row = 0; row < 4; row++) {
      b.append(row).append(",1,0,0,0,0,0.5");
      for (int f = 0; f < 130; f++) b.append(f == 5 && row == 2 ? ",1e999" : ",0.25");
      b.append(',').append(row).append('\n');
    }
    Files.writeString(csv, b.toString());
    String line = fails("convert", "--csv", csv.toString(), "--out", dir.resolve("converted").toString(), "--folds",
        "2", "--files-per-fold", "1");
    assertTrue(line.contains("feature_5") && line.contains("1e999"), line);
    assertFalse(Files.exists(dir.resolve("converted")), "nothing is left behind");
  }
}
