package dev.kiln.train.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.train.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DataCommandsTest {
  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  static Run kiln(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  Path synth(String name) {
    Path data = dir.resolve(name);
    Run r = kiln("synth", "--out", data.toString(), "--days", "12", "--rows-per-day", "80", "--folds", "3",
        "--files-per-fold", "2", "--seed", "5");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().startsWith("wrote ") && r.out().contains("ceiling AUC on fold 2"), r.out());
    return data;
  }

  @Test
  void synthThenInspectPrintsTheFoldsAsJson() {
    Path data = synth("d");
    assertTrue(Files.isRegularFile(data.resolve("synthetic.json")));
    Run r = kiln("inspect", data.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().matches("(?s)\\{\"columns\":138,\"folds\":\\{\"0\":\\{\"files\":2,\"rows\":\\d+,\"windows\":"
        + "\\d+},\"1\":.*,\"2\":\\{.*}}}\\s*"), r.out());
  }

  @Test
  void inspectOfACorruptFileExitsNonZeroNamingTheRecord() throws IOException {
    Path data = synth("d");
    Path file = data.resolve("fold0/1.tfrec");
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(580 * 2 + 40);
      int b = raf.read();
      raf.seek(580 * 2 + 40);
      raf.write(b ^ 1);
    }
    Run r = kiln("inspect", data.toString());
    assertEquals(1, r.code());
    assertEquals("kiln inspect: error: " + file + ": corrupt record 2 at byte offset 1160: data CRC mismatch",
        r.err().strip().replaceAll(" over 564 bytes.*", ""));
    assertEquals(1, r.err().strip().lines().count());
    Run skip = kiln("inspect", data.toString(), "--skip-corrupt");
    assertEquals(0, skip.code(), skip.err());
    assertTrue(skip.out().contains("\"skipped\":1"), skip.out());
  }

  @Test
  void convertWritesADatasetFromACsv() throws IOException {
    List<String> names = new ArrayList<>();
    names.add("date");
    names.add("weight");
    for (int i = 1; i <= 4; i++) {
      names.add("resp_" + i);
    }
    names.add("resp");
    for (int i = 0; i < 130; i++) {
      names.add("feature_" + i);
    }
    names.add("ts_id");
    StringBuilder csv = new StringBuilder(String.join(",", names)).append('\n');
    Random rnd = new Random(1);
    int ts = 0;
    for (int d = 0; d < 6; d++) {
      for (int k = 0; k < 25; k++) {
        csv.append(d);
        for (int c = 1; c < 137; c++) {
          csv.append(',').append(c == 50 && k == 3 ? "" : Double.toString(rnd.nextGaussian()));
        }
        csv.append(',').append(ts++).append('\n');
      }
    }
    Path file = Files.writeString(dir.resolve("train.csv"), csv);
    Path out = dir.resolve("data");
    Run r = kiln("convert", "--csv", file.toString(), "--out", out.toString(), "--folds", "3", "--files-per-fold",
        "2");
    assertEquals(0, r.code(), r.err());
    assertEquals("converted 150 rows (dates 0..5) into " + out + ": rows per fold {0=50, 1=50, 2=50}",
        r.out().strip());
    Run i = kiln("inspect", out.toString(), "--window", "20");
    assertEquals("{\"columns\":138,\"folds\":{\"0\":{\"files\":2,\"rows\":50,\"windows\":12},\"1\":{\"files\":2,"
        + "\"rows\":50,\"windows\":12},\"2\":{\"files\":2,\"rows\":50,\"windows\":12}}}", i.out().strip());
  }

  @Test
  void badInputGivesOneClearLineAndANonZeroExit() throws IOException {
    Run missing = kiln("convert", "--csv", dir.resolve("nope.csv").toString(), "--out", dir.resolve("o").toString());
    assertEquals(1, missing.code());
    assertEquals("kiln convert: error: no such CSV file: " + dir.resolve("nope.csv"), missing.err().strip());

    Run notData = kiln("inspect", dir.toString());
    assertEquals(1, notData.code());
    assertEquals("kiln inspect: error: dataset folder has no columns.json: " + dir.resolve("columns.json"),
        notData.err().strip());

    Path bad = Files.writeString(dir.resolve("bad.csv"), "date,weight\n1,2\n");
    Run header = kiln("convert", "--csv", bad.toString(), "--out", dir.resolve("o").toString());
    assertEquals(1, header.code());
    assertTrue(header.err().startsWith("kiln convert: error: " + bad + " line 1: header column 3 is missing"),
        header.err());

    Run window = kiln("inspect", synth("d").toString(), "--window", "0");
    assertEquals(1, window.code());
    assertEquals("kiln inspect: error: --window must be at least 1, got 0", window.err().strip());

    Run days = kiln("synth", "--out", dir.resolve("s").toString(), "--days", "3");
    assertEquals(1, days.code());
    assertEquals("kiln synth: error: 5 folds x 5 files need at least 25 days, got 3", days.err().strip());

    Run exists = kiln("synth", "--out", dir.resolve("d").toString(), "--days", "30", "--rows-per-day", "10");
    assertEquals(1, exists.code());
    assertEquals("kiln synth: error: output folder exists and is not empty: " + dir.resolve("d").toAbsolutePath(),
        exists.err().strip());
  }
}
