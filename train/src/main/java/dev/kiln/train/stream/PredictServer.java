package dev.kiln.train.stream;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * {@code kiln serve}: the streaming predictor over HTTP on the JDK's own server (no dependency; keep-alive; one-row
 * requests need nothing more). {@code POST /predict} takes one row as a JSON object keyed by column name
 * ({@code null} for a missing value) and answers {@code {"ts_id":..., "probabilities":[...], "action":0|1}};
 * {@code GET /healthz} answers {@code {"status":"ok"}}. A bad request gets a 4xx with a one-line JSON reason and the
 * server carries on. Requests are read and answered on the server's own thread (the fewest hand-offs, so the
 * lowest latency for one client sending rows in order) or, with threads, parsed on a pool; either way the predictor,
 * which is stateful, answers one at a time: rows must come in order, and a row of an earlier date than the last is
 * answered from a fresh window and logged.
 */
public final class PredictServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_BODY = 1 << 20;

  private final HttpServer http;
  private final ExecutorService pool;
  private final StreamPredictor predictor;
  private final TestSchema schema;
  private final PrintStream log;
  /** Each answering thread's row, reused: the predictor copies what it keeps. */
  private final ThreadLocal<TestRow> rows;

  private PredictServer(HttpServer http, ExecutorService pool, StreamPredictor predictor, PrintStream log) {
    this.http = http;
    this.pool = pool;
    this.predictor = predictor;
    this.schema = TestSchema.ofNames(predictor.features());
    this.log = log;
    this.rows = ThreadLocal.withInitial(() -> new TestRow(predictor.features()));
  }

  /**
   * Binds {@code address} (port 0 for any free port) and starts answering on the server's own thread
   * ({@code threads} 0) or on a pool of {@code threads} threads.
   */
  public static PredictServer start(StreamPredictor predictor, InetSocketAddress address, int threads, PrintStream log)
      throws IOException {
    HttpServer http = HttpServer.create(address, 0);
    ExecutorService pool = threads == 0 ? null : Executors.newFixedThreadPool(threads);
    PredictServer s = new PredictServer(http, pool, predictor, log);
    http.createContext("/predict", s::predict);
    http.createContext("/healthz", s::health);
    http.setExecutor(pool);
    http.start();
    return s;
  }

  /** The bound port. */
  public int port() {
    return http.getAddress().getPort();
  }

  /** Stops accepting, lets requests in flight finish (up to {@code graceSeconds}), then stops the threads. */
  public void stop(int graceSeconds) {
    http.stop(graceSeconds);
    if (pool == null) return;
    pool.shutdown();
    try {
      if (!pool.awaitTermination(graceSeconds, TimeUnit.SECONDS)) pool.shutdownNow();
    } catch (InterruptedException e) {
      pool.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop(5);
  }

  private void health(HttpExchange ex) throws IOException {
    try (ex) {
      if (!ex.getRequestURI().getPath().equals("/healthz")) send(ex, 404, error("no such path"));
      else if (!ex.getRequestMethod().equals("GET")) send(ex, 405, error("use GET /healthz"));
      else send(ex, 200, "{\"status\":\"ok\"}");
    }
  }

  private void predict(HttpExchange ex) throws IOException {
    try (ex) {
      if (!ex.getRequestURI().getPath().equals("/predict")) {
        send(ex, 404, error("no such path; POST /predict or GET /healthz"));
        return;
      }
      if (!ex.getRequestMethod().equals("POST")) {
        send(ex, 405, error("use POST /predict with one row as a JSON object"));
        return;
      }
      byte[] body = readBody(ex.getRequestBody());
      if (body == null) {
        send(ex, 413, error("the body is over " + MAX_BODY + " bytes; send one row"));
        return;
      }
      TestRow row = rows.get();
      try (JsonParser p = JSON.createParser(body)) {
        schema.parse(p, row);
      } catch (JacksonException e) {
        send(ex, 400, error("malformed JSON: " + e.getOriginalMessage()));
        return;
      } catch (IllegalArgumentException e) {
        send(ex, 400, error(e.getMessage()));
        return;
      }
      String answer;
      try {
        answer = answer(row);
      } catch (RuntimeException e) {
        log.println("serve: error on row ts_id " + row.tsId() + ": " + e);
        send(ex, 500, error("the model failed on this row: " + e.getMessage()));
        return;
      }
      send(ex, 200, answer);
    }
  }

  private String answer(TestRow row) {
    StreamPredictor.Prediction p;
    synchronized (predictor) {
      p = predictor.predict(row.date(), row.weight(), row.features(), row.tsId());
    }
    if (p.outOfOrder()) {
      log.println("serve: row ts_id " + p.tsId() + " of date " + row.date()
          + " came after a later date; answered from a fresh window");
    }
    return json(p);
  }

  /** The answer as JSON; a NaN probability (a weight-0 row skipped) is null. */
  static String json(StreamPredictor.Prediction p) {
    StringBuilder s = new StringBuilder("{\"ts_id\":").append(p.tsId()).append(",\"probabilities\":[");
    float[] v = p.probabilities();
    for (int i = 0; i < v.length; i++) {
      if (i > 0) s.append(',');
      if (Float.isNaN(v[i])) s.append("null");
      else s.append(v[i]);
    }
    return s.append("],\"action\":").append(p.action()).append('}').toString();
  }

  private static String error(String reason) {
    String line = reason == null ? "bad request" : reason.replace('\n', ' ').replace('\r', ' ');
    return JSON.createObjectNode().put("error", line).toString();
  }

  /** The body, or null when it is over the limit. */
  private static byte[] readBody(InputStream in) throws IOException {
    byte[] b = in.readNBytes(MAX_BODY + 1);
    return b.length > MAX_BODY ? null : b;
  }

  private static void send(HttpExchange ex, int status, String json) throws IOException {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }
}
