package dev.kiln.train.stream;

import dev.kiln.io.AtomicFiles;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
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
    Latencies model = new Latencies(), whole = new Latencies();
    int[] back = {0};
    // Written as the rows are answered (memory stays flat), renamed into place only when every row was.
    AtomicFiles.write(out, os -> {
      Writer text = new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8), 1 << 16);
      text.write(header(p.units()));
      rows(p, csv, Integer.MAX_VALUE, (r, parse, call) -> {
        model.add(call);
        whole.add(parse + call);
        append(text, r);
        if (r.outOfOrder()) back[0]++;
      });
      text.flush();
    });
    Result res = new Result(whole.count(), model.summary(), whole.summary());
    log.printf("answered %,d rows into %s%nmodel call: %s%nwhole row:  %s%n", res.rows(), out, res.modelLatency(),
        res.rowLatency());
    if (back[0] > 0) log.printf("%,d rows came after a later date; each started a fresh window%n", back[0]);
    return res;
  }

  /**
   * Answers the first {@code rows} rows of {@code csv} and discards the answers: the JIT's warm-up, on a predictor of
   * its own so that the timed replay starts from an empty window.
   */
  public static void warm(StreamPredictor p, Path csv, int rows) throws IOException {
    rows(p, csv, rows, (r, parse, call) -> { });
  }

  private interface Answer {
    void take(StreamPredictor.Prediction r, long parseNanos, long callNanos) throws IOException;
  }

  private static void rows(StreamPredictor p, Path csv, int limit, Answer answer) throws IOException {
    TestRow row = new TestRow(p.features());
    try (BufferedReader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
      String header = in.readLine();
      if (header == null) throw new IllegalArgumentException(csv + ": the file is empty; expected a header line");
      TestSchema schema = TestSchema.ofHeader(header, p.features());
      long lineNo = 1;
      int n = 0;
      for (String line; n < limit && (line = in.readLine()) != null; ) {
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
        answer.take(r, t1 - t0, System.nanoTime() - t1);
        n++;
      }
    }
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

  static void append(Writer text, StreamPredictor.Prediction r) throws IOException {
    text.write(Long.toString(r.tsId()));
    for (float v : r.probabilities()) {
      text.write(',');
      text.write(Float.toString(v));
    }
    text.write(',');
    text.write(Integer.toString(r.action()));
    text.write('\n');
  }
}
