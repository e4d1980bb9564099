package dev.kiln.train.stream;

import dev.kiln.io.AtomicFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code kiln stream}: the competition's loop replayed from a CSV in example_test.csv's schema, row by row in file
 * order, each row parsed then answered before the next is read. Writes {@code ts_id, probability (or probability_0..
 * k-1), action} per row, atomically and only when every row was answered, and reports the latency of the model call
 * and of the whole row (parse included).
 */
public final class Replay {
  private Replay() {}

  /** What a replay did: rows answered, and the two latency summaries. */
  public record Result(int rows, String modelLatency, String rowLatency) {}

  public static Result run(StreamPredictor p, Path csv, Path out, PrintStream log) throws IOException {
    StringBuilder text = new StringBuilder(header(p.units()));
    Latencies model = new Latencies(), whole = new Latencies();
    TestRow row = new TestRow(p.features());
    int back = 0;
    try (BufferedReader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
      String header = in.readLine();
      if (header == null) throw new IllegalArgumentException(csv + ": the file is empty; expected a header line");
      TestSchema schema = TestSchema.ofHeader(header, p.features());
      long lineNo = 1;
      for (String line; (line = in.readLine()) != null; ) {
        lineNo++;
        if (line.isBlank()) continue;
        long t0 = System.nanoTime();
        try {
          schema.parse(line, row);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(csv + " line " + lineNo + ": " + e.getMessage(), e);
        }
        long t1 = System.nanoTime();
        StreamPredictor.Prediction r = p.predict(row.date(), row.weight(), row.features(), row.tsId());
        long t2 = System.nanoTime();
        model.add(t2 - t1);
        whole.add(t2 - t0);
        append(text, r);
        if (r.outOfOrder()) back++;
      }
    }
    byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
    AtomicFiles.write(out, os -> os.write(bytes));
    Result res = new Result(whole.count(), model.summary(), whole.summary());
    log.printf("answered %,d rows into %s%nmodel call: %s%nwhole row:  %s%n", res.rows(), out, res.modelLatency(),
        res.rowLatency());
    if (back > 0) log.printf("%,d rows came after a later date; each started a fresh window%n", back);
    return res;
  }

  static String header(int units) {
    StringBuilder h = new StringBuilder("ts_id,");
    if (units == 1) {
      h.append("probability");
    } else {
      for (int i = 0; i < units; i++) h.append(i == 0 ? "" : ",").append("probability_").append(i);
    }
    return h.append(",action\n").toString();
  }

  static void append(StringBuilder text, StreamPredictor.Prediction r) {
    text.append(r.tsId());
    for (float v : r.probabilities()) text.append(',').append(v);
    text.append(',').append(r.action()).append('\n');
  }
}
