package dev.kiln.train.cli;

import dev.kiln.train.stream.PredictServer;
import dev.kiln.train.stream.StreamPredictor;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kiln serve}: the streaming predictor over HTTP until SIGTERM or SIGINT, which stop accepting, let the
 * requests in flight finish and exit 0. The signals are handled directly (a shutdown hook alone would exit with
 * 143); a shutdown hook covers any other exit.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Answer one row per request over HTTP: POST /predict with a JSON object keyed by column name"
        + " (date, weight, feature_0..129, ts_id; null for a missing value); GET /healthz.",
        "Rows must come in order: the predictor keeps each date's last rows for the window."})
public final class ServeCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin
  PredictorFlags predictor;

  @Option(names = "--port", defaultValue = "8080", description = "Port (default ${DEFAULT-VALUE}; 0 for any free one).")
  int port;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--threads", defaultValue = "0", description = "Threads reading requests; 0 (the default): the "
      + "server's own thread, the lowest latency for one client sending rows in order.")
  int threads;

  @Override
  public Integer call() throws Exception {
    OptionChecks.atLeast("--threads", threads, 0);
    OptionChecks.atLeast("--port", port, 0);
    try (StreamPredictor p = predictor.open()) {
      PredictServer server = PredictServer.start(p, new InetSocketAddress(host, port), threads, System.err);
      CountDownLatch stop = new CountDownLatch(1);
      for (String sig : new String[] {"TERM", "INT"}) {
        sun.misc.Signal.handle(new sun.misc.Signal(sig), s -> stop.countDown());
      }
      Thread hook = new Thread(() -> server.stop(5), "kiln-serve-stop");
      Runtime.getRuntime().addShutdownHook(hook);
      System.out.println("kiln serve: missing features become " + p.nanFillNote()
          + (p.outputNote().isEmpty() ? "" : "; answering " + p.outputNote()));
      System.out.printf("kiln serve: listening on http://%s:%d (POST /predict, GET /healthz)%n", host, server.port());
      System.out.flush();
      stop.await();
      server.stop(10);
      Runtime.getRuntime().removeShutdownHook(hook);
      System.out.println("kiln serve: stopped");
    }
    return 0;
  }
}
