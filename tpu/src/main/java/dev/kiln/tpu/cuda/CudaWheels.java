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
import java.util.concurrent.TimeUnit;

/**
 * The wheels a working CUDA backend needs: the PJRT plugin ({@code jax-cuda13-pjrt}) and every NVIDIA library wheel
 * that {@code jax-cuda13-plugin[with-cuda]} requires (CUDA runtime, cuBLAS, cuDNN, NCCL, cuFFT, cuSOLVER, cuSPARSE,
 * nvJitLink, nvcc's ptxas, ...). pip's own resolver chooses them ({@code pip install --dry-run --report}, which
 * downloads metadata only), so the set and versions are exactly what JAX's CUDA extra would install; the report
 * carries each wheel's URL and the registry's sha256. {@code jax-cuda13-plugin} itself (jaxlib's Python kernels) is
 * not needed by a PJRT client and is left out.
 */
public final class CudaWheels {
  private CudaWheels() {}

  /** One wheel to fetch: from the registry's index, with its sha256 and size (-1 when unknown). */
  public record Wheel(String name, String version, String url, String sha256, long size) {
    public String fileName() {
      return url.substring(url.lastIndexOf('/') + 1);
    }
  }

  /** The requirement pip resolves: JAX's CUDA 13 plugin with its CUDA libraries, at {@code version} if given. */
  static String requirement(String version) {
    return "jax-cuda13-plugin[with-cuda]" + (version == null ? "" : "==" + version);
  }

  /** Resolves the full set with pip (metadata only), then asks the registry for each wheel's size. */
  public static List<Wheel> resolve(String version) throws IOException {
    Path report = Files.createTempFile("kiln-cuda-", ".json");
    try {
      List<String> cmd = List.of("python3", "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
          "--disable-pip-version-check", "--report", report.toString(), requirement(version));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes());
      try {
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
          p.destroyForcibly();
          throw new IOException("pip's resolution of " + requirement(version) + " timed out");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      if (p.exitValue() != 0) {
        throw new IOException("pip could not resolve " + requirement(version) + ": " + out.strip());
      }
      return withSizes(parseReport(Files.readAllBytes(report)));
    } finally {
      Files.deleteIfExists(report);
    }
  }

  /** The wheels of a pip installation report (JSON), without jax-cuda13-plugin; sizes unknown. */
  static List<Wheel> parseReport(byte[] json) throws IOException {
    JsonNode root = new ObjectMapper().readTree(json);
    List<Wheel> out = new ArrayList<>();
    for (JsonNode item : root.path("install")) {
      String name = item.path("metadata").path("name").asText();
      if (name.equals("jax-cuda13-plugin")) continue;
      JsonNode d = item.path("download_info");
      String url = d.path("url").asText();
      String sha = d.path("archive_info").path("hashes").path("sha256").asText(null);
      if (sha == null) sha = stripPrefix(d.path("archive_info").path("hash").asText(null));
      if (url.isEmpty() || sha == null) throw new IOException("pip's report lacks the URL or sha256 of " + name);
      if (!url.endsWith(".whl")) throw new IOException(name + " resolved to " + url + ", not a wheel");
      out.add(new Wheel(name, item.path("metadata").path("version").asText(), url, sha, -1));
    }
    if (out.stream().noneMatch(w -> w.name().equals("jax-cuda13-pjrt"))) {
      throw new IOException("pip's resolution has no jax-cuda13-pjrt (the PJRT plugin itself)");
    }
    return out;
  }

  private static String stripPrefix(String hash) {
    return hash != null && hash.startsWith("sha256=") ? hash.substring(7) : null;
  }

  private static List<Wheel> withSizes(List<Wheel> wheels) {
    HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
        .connectTimeout(Duration.ofSeconds(30)).build();
    List<Wheel> out = new ArrayList<>();
    for (Wheel w : wheels) {
      long size = -1;
      try {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(w.url()))
            .method("HEAD", HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(60)).build(),
            HttpResponse.BodyHandlers.discarding());
        size = r.headers().firstValueAsLong("Content-Length").orElse(-1);
      } catch (IOException e) {
        // the size is for display only
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      out.add(new Wheel(w.name(), w.version(), w.url(), w.sha256(), size));
    }
    return out;
  }

  /** A table of the wheels, one line each, and the total. */
  public static String table(List<Wheel> wheels) {
    StringBuilder b = new StringBuilder();
    long total = 0;
    for (Wheel w : wheels) {
      b.append(String.format("%-22s %-12s %10s  %s%n", w.name(), w.version(), mb(w.size()), w.fileName()));
      total += Math.max(0, w.size());
    }
    b.append(String.format("%d wheels, %s in all%n", wheels.size(), mb(total)));
    return b.toString();
  }

  static String mb(long bytes) {
    return bytes < 0 ? "?" : String.format("%.1f MB", bytes / 1e6);
  }
}
