package dev.kiln.train.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.train.Main;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code kiln stream} and {@code kiln serve} from the command line: outputs, bad input as one line, and serve's
 * clean stop on SIGTERM.
 */
class StreamCommandTest {
  @TempDir
  static Path dir;

  static StreamFixture fx;

  @BeforeAll
  static void make() throws IOException {
    fx = StreamFixture.make(dir);
  }

  /** Runs the CLI; returns {exit code, stderr}. */
  static String[] kiln(String... args) {
    CommandLine cl = Main.commandLine();
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err, true));
    cl.setOut(new PrintWriter(new StringWriter(), true));
    int code = cl.execute(args);
    return new String[] {Integer.toString(code), err.toString().strip()};
  }

  @Test
  void streamWritesOneAnswerPerRow() throws IOException {
    Path out = dir.resolve("actions.csv");
    String[] r = kiln("stream", "--model", fx.run().toString(), "--csv", fx.testCsv().toString(), "--out",
        out.toString());
    assertEquals("0", r[0], r[1]);
    List<String> lines = Files.readAllLines(out);
    assertEquals("ts_id,probability,action", lines.get(0));
    assertEquals(Files.readAllLines(fx.testCsv()).size(), lines.size());
  }

  @Test
  void badInputIsOneLineNamingIt() throws IOException {
    Path csv = dir.resolve("bad.csv"), out = dir.resolve("bad-out.csv");
    List<String> rows = Files.readAllLines(fx.reorderedCsv());
    Files.write(csv, List.of(rows.get(0), rows.get(1), rows.get(2).replaceFirst(",x,", ",x,today,")));
    String[] r = kiln("stream", "--model", fx.run().toString(), "--csv", csv.toString(), "--out", out.toString());
    assertEquals("1", r[0]);
    assertEquals("kiln stream: error: " + csv + " line 3: expected 134 fields, found 135", r[1]);
    assertFalse(Files.exists(out), "nothing written");
    Files.write(csv, List.of("date,weight,ts_id", "1,1,1"));
    r = kiln("stream", "--model", fx.run().toString(), "--csv", csv.toString(), "--out", out.toString());
    assertTrue(r[1].startsWith("kiln stream: error: header: no column 'feature_0'"), r[1]);
    r = kiln("stream", "--model", dir.toString(), "--csv", csv.toString(), "--out", out.toString());
    assertEquals("kiln stream: error: no model.json in " + dir + " (train a model first)", r[1]);
    r = kiln("serve", "--model", fx.run().toString(), "--threads", "-1");
    assertEquals("kiln serve: error: --threads must be at least 0, got -1", r[1]);
  }

  /** serve as its own process: SIGTERM stops it with status 0 after it answered. */
  @Test
  void sigtermExitsZero() throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-modules") || a.startsWith("--enable-native-access")) cmd.add(a);
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.kiln.train.Main", "serve", "--model",
        fx.run().toString(), "--port", "0"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      int port = -1;
      for (String line; port < 0 && (line = out.readLine()) != null; ) {
        Matcher m = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)").matcher(line);
        if (m.find()) port = Integer.parseInt(m.group(1));
      }
      assertTrue(port > 0, "the server said where it listens");
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + port + "/healthz")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      // SIGTERM by kill(1): Process.destroy sends it too, but closes our end of the output first.
      assertEquals(0, new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor());
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), "stopped within 30 s");
      assertEquals(0, p.exitValue());
      StringBuilder rest = new StringBuilder();
      for (String line; (line = out.readLine()) != null; ) rest.append(line).append('\n');
      assertTrue(rest.toString().contains("kiln serve: stopped"), rest.toString());
    } catch (IOException | AssertionError e) {
      p.destroyForcibly();
      throw e;
    }
  }
}
