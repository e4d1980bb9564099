package dev.kiln.train.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kiln serve}'s server on 127.0.0.1: the same answers as {@code kiln stream}, concurrency, bad requests. */
class PredictServerTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @TempDir
  static Path dir;

  static StreamFixture fx;
  static List<String> rows, header, streamed;
  static StreamPredictor predictor;
  static PredictServer server;
  static ByteArrayOutputStream log = new ByteArrayOutputStream();

  @BeforeAll
  static void start() throws IOException {
    fx = StreamFixture.make(dir);
    List<String> lines = Files.readAllLines(fx.testCsv());
    header = List.of(lines.get(0).split(",", -1));
    rows = lines.subList(1, lines.size());
    Path out = dir.resolve("server-stream.csv");
    try (StreamPredictor p = fx.open()) {
      Replay.run(p, fx.testCsv(), out, new PrintStream(new ByteArrayOutputStream()));
    }
    streamed = Files.readAllLines(out).subList(1, rows.size() + 1);
    predictor = fx.open();
    // The default: requests answered on the server's own thread.
    server = PredictServer.start(predictor, new InetSocketAddress("127.0.0.1", 0), 0, new PrintStream(log, true));
  }

  @AfterAll
  static void stop() {
    if (server != null) server.stop(5);
    if (predictor != null) predictor.close();
  }

  /** A CSV row as the JSON object a client sends: numbers by column name, null where the CSV is empty. */
  static String json(String csvRow) {
    String[] v = csvRow.split(",", -1);
    ObjectNode o = JSON.createObjectNode();
    for (int i = 0; i < v.length; i++) {
      String name = header.get(i);
      if (name.equals("extra")) continue;
      if (v[i].isEmpty()) o.putNull(name);
      else if (name.equals("date") || name.equals("ts_id")) o.put(name, Long.parseLong(v[i]));
      else o.put(name, Double.parseDouble(v[i]));
    }
    return o.toString();
  }

  static HttpResponse<String> post(String body) throws IOException, InterruptedException {
    HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/predict"))
        .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
    return CLIENT.send(r, HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> get(String path) throws IOException, InterruptedException {
    HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(30)).GET().build();
    return CLIENT.send(r, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void answersEqualStreamsForTheSameRowsThenServesManyClientsAndBadRequests() throws Exception {
    for (int i = 0; i < rows.size(); i++) {
      HttpResponse<String> r = post(json(rows.get(i)));
      assertEquals(200, r.statusCode(), r.body());
      JsonNode a = JSON.readTree(r.body());
      String[] want = streamed.get(i).split(",");
      assertEquals(Long.parseLong(want[0]), a.get("ts_id").asLong());
      assertEquals(1, a.get("probabilities").size());
      assertEquals(Float.parseFloat(want[1]), (float) a.get("probabilities").get(0).asDouble(), "row " + i);
      assertEquals(Integer.parseInt(want[2]), a.get("action").asInt());
    }
    concurrentClientsGetNoErrors();
    malformedRequestsGet4xxAndTheServerStaysUp();
    // And on a pool of four threads (--threads 4).
    server.stop(1);
    server = PredictServer.start(predictor, new InetSocketAddress("127.0.0.1", 0), 4, new PrintStream(log, true));
    concurrentClientsGetNoErrors();
    malformedRequestsGet4xxAndTheServerStaysUp();
  }

  /** 64 clients at once, each sending a few rows: every answer is 200 (they are serialized on the predictor). */
  void concurrentClientsGetNoErrors() throws Exception {
    ExecutorService clients = Executors.newFixedThreadPool(64);
    try {
      List<Future<Integer>> done = new ArrayList<>();
      for (int c = 0; c < 64; c++) {
        int first = c;
        done.add(clients.submit(() -> {
          int ok = 0;
          for (int k = 0; k < 3; k++) {
            if (post(json(rows.get((first * 3 + k) % rows.size()))).statusCode() == 200) ok++;
          }
          return ok + (get("/healthz").statusCode() == 200 ? 1 : 0);
        }));
      }
      for (Future<Integer> f : done) assertEquals(4, f.get(60, TimeUnit.SECONDS));
    } finally {
      clients.shutdownNow();
    }
  }

  void malformedRequestsGet4xxAndTheServerStaysUp() throws Exception {
    String good = json(rows.get(0));
    ObjectNode missing = (ObjectNode) JSON.readTree(good);
    missing.remove("feature_7");
    ObjectNode word = (ObjectNode) JSON.readTree(good);
    word.put("weight", "heavy");
    String[][] cases = {
        {"{not json", "malformed JSON"},
        {"[1, 2]", "not a JSON object"},
        {"", "not a JSON object"},
        {missing.toString(), "column 'feature_7' is missing"},
        {word.toString(), "weight: \"heavy\" is not a number or null"},
    };
    for (String[] c : cases) {
      HttpResponse<String> r = post(c[0]);
      assertEquals(400, r.statusCode(), c[0]);
      String reason = JSON.readTree(r.body()).get("error").asText();
      assertTrue(reason.contains(c[1]), reason);
      assertTrue(!r.body().contains("\n"), "one line: " + r.body());
    }
    assertEquals(405, get("/predict").statusCode());
    assertEquals(404, get("/predictions").statusCode());
    assertEquals(200, get("/healthz").statusCode());
    assertEquals(200, post(good).statusCode());
  }
}
