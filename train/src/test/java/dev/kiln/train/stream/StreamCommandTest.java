package dev.kiln.train.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.train.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code kiln stream} and {@code kiln serve} from the command line: outputs, and bad input as one line. */
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
    List<String> rows = Files.readAllLines(fx.testCsv());
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
    r = kiln("serve", "--model", fx.run().toString(), "--threads", "0");
    assertEquals("kiln serve: error: --threads must be at least 1, got 0", r[1]);
  }
}
