package dev.kiln.tpu.cuda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What compiling for a GPU with no GPU needs, and nothing more: the CUDA plugin, nvcc's {@code ptxas} (PTX to SASS)
 * and NVVM's {@code libdevice} (exp, log, erf), pinned by version and sha256 and laid out as site-packages, where the
 * plugin looks for them ({@code nvidia/cu13/bin/ptxas}, {@code nvidia/cu13/nvvm/libdevice} beside
 * {@code jax_plugins/}). Neither cuDNN nor cuBLAS nor the rest of the runtime set is needed to compile.
 */
public final class CudaCompileToolchain {
  private CudaCompileToolchain() {}

  /** A pinned wheel: the registry gives its URL; its sha256 must be this one. */
  public record Pin(String name, String version, String sha256) {}

  /** The pinned set: the plugin Kiln's target specs were written for, and the compilers it runs. */
  public static final List<Pin> PINS = List.of(
      new Pin("jax-cuda13-pjrt", "0.12.0.1", "5899bb6177eda86ea532afb9a26794f2bdd04966f6a01f9028266b16c2b6cf90"),
      new Pin("nvidia-cuda-nvcc", "13.5.37", "f5c4f7ead5d964fb4af42bbf1e6d3ec3c1e6e9d83b53749f691d387e7fcaa3a7"),
      new Pin("nvidia-nvvm", "13.5.37", "c41bfa362e407405163f103c2229f0765f8cc2ed7d148b754dc77f228bf7e070"));

  /** Files inside an install that compiling needs, beside the plugin. */
  public static final List<String> NEEDED = List.of(CudaInstaller.PLUGIN, "nvidia/cu13/bin/ptxas",
      "nvidia/cu13/nvvm/libdevice/libdevice.10.bc");

  /** The first file of {@link #NEEDED} missing under {@code dir}, or null when all are there. */
  public static String missing(Path dir) {
    for (String f : NEEDED) if (!Files.isRegularFile(dir.resolve(f))) return f;
    return null;
  }

  /** Installs the pinned wheels into {@code dest} (under the cache's lock, renamed into place); returns the plugin. */
  public static Path install(Path dest, Consumer<String> log) throws IOException {
    List<CudaWheels.Wheel> wheels = new ArrayList<>();
    HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
        .connectTimeout(Duration.ofSeconds(30)).build();
    for (Pin p : PINS) wheels.add(locate(http, p));
    return CudaInstaller.install(wheels, CudaInstaller.http(), dest, log);
  }

  /** The pinned wheel's URL and size from the registry's simple index (PEP 691 JSON), as pip reads it. */
  static CudaWheels.Wheel locate(HttpClient http, Pin p) throws IOException {
    URI index = URI.create("https://pypi.org/simple/" + p.name() + "/");
    String body;
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(index).header("Accept",
          "application/vnd.pypi.simple.v1+json").timeout(Duration.ofSeconds(60)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) throw new IOException("GET " + index + " answered " + r.statusCode());
      body = r.body();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    return choose(new ObjectMapper().readTree(body), p);
  }

  /** From a simple JSON index, the file whose sha256 is the pin's (so the platform tag need not be guessed). */
  static CudaWheels.Wheel choose(JsonNode index, Pin p) throws IOException {
    for (JsonNode f : index.path("files")) {
      if (p.sha256().equalsIgnoreCase(f.path("hashes").path("sha256").asText())) {
        return new CudaWheels.Wheel(p.name(), p.version(), f.path("url").asText(), p.sha256(), f.path("size").asLong(-1));
      }
    }
    throw new IOException(p.name() + " " + p.version() + ": the registry lists no file with the pinned sha256 "
        + p.sha256());
  }
}
