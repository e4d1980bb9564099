package dev.kiln.tpu.cuda;

import dev.kiln.tpu.pjrt.ElfSymbols;
import dev.kiln.tpu.pjrt.InstallFiles;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code kiln plugin install cuda}: fetches the CUDA plugin and its NVIDIA wheels ({@link CudaWheels}), checks each
 * against the registry's sha256, and lays them out as pip would in site-packages, which is where the plugin's RPATH
 * ({@code $ORIGIN/../../nvidia/cu13/lib}, {@code .../cudnn/lib}, {@code .../nccl/lib}, ...) looks:
 * {@code <cache>/pjrt/cuda/jax_plugins/xla_cuda13/xla_cuda_plugin.so} beside {@code <cache>/pjrt/cuda/nvidia/}.
 * All of it is staged in a temporary folder under the plugin lock and renamed into place at once; a failure leaves
 * the previous install as it was.
 */
public final class CudaInstaller {
  private CudaInstaller() {}

  /** Where the plugin library lands inside the install folder. */
  public static final String PLUGIN = "jax_plugins/xla_cuda13/xla_cuda_plugin.so";

  /** Fetches one wheel to a file. */
  @FunctionalInterface
  public interface Fetcher {
    void fetch(CudaWheels.Wheel wheel, Path to) throws IOException;
  }

  /** Downloads over HTTPS (the URLs pip's resolver returned). */
  public static Fetcher http() {
    HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
        .connectTimeout(Duration.ofSeconds(30)).build();
    return (w, to) -> {
      try {
        HttpResponse<Path> r = client.send(HttpRequest.newBuilder(URI.create(w.url())).timeout(Duration.ofMinutes(30))
            .build(), HttpResponse.BodyHandlers.ofFile(to));
        if (r.statusCode() != 200) throw new IOException("GET " + w.url() + " answered " + r.statusCode());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    };
  }

  /** Installs {@code wheels} into {@code dest}, replacing what is there; returns the plugin library's path. */
  public static Path install(List<CudaWheels.Wheel> wheels, Fetcher fetcher, Path dest, Consumer<String> log)
      throws IOException {
    Files.createDirectories(dest.getParent());
    try (FileChannel ch = FileChannel.open(dest.getParent().resolve(".lock"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE); FileLock lock = ch.lock()) {
      Path work = Files.createTempDirectory(dest.getParent(), ".cuda-");
      try {
        Path staged = Files.createDirectories(work.resolve("staged"));
        StringBuilder source = new StringBuilder();
        int i = 0;
        for (CudaWheels.Wheel w : wheels) {
          log.accept(String.format("[%d/%d] %s %s (%s)", ++i, wheels.size(), w.name(), w.version(),
              CudaWheels.mb(w.size())));
          Path file = work.resolve(w.fileName());
          fetcher.fetch(w, file);
          String sha = InstallFiles.sha256(file);
          if (!sha.equalsIgnoreCase(w.sha256())) {
            throw new IOException(w.fileName() + ": sha256 " + sha + " differs from the registry's " + w.sha256());
          }
          unpack(file, staged);
          Files.delete(file);
          source.append(w.fileName()).append(' ').append(sha).append('\n');
        }
        Path lib = staged.resolve(PLUGIN);
        if (!Files.isRegularFile(lib)) throw new IOException("the wheels hold no " + PLUGIN);
        if (!ElfSymbols.exports(lib, "GetPjrtApi")) throw new IOException(PLUGIN + " does not export GetPjrtApi");
        Files.writeString(staged.resolve("SOURCE"), source.toString());
        InstallFiles.replace(staged, dest);
        return dest.resolve(PLUGIN);
      } finally {
        InstallFiles.deleteTree(work);
      }
    }
  }

  /**
   * Extracts a wheel's files (not its {@code .dist-info} metadata) under {@code root}, keeping their paths and their
   * executable bit (ptxas must run); an entry that would land outside {@code root} is an error. The zip file system
   * is opened with POSIX attributes so the Unix modes stored in the wheel can be read.
   */
  static void unpack(Path wheel, Path root) throws IOException {
    Path base = root.toAbsolutePath().normalize();
    try (java.nio.file.FileSystem zip = java.nio.file.FileSystems.newFileSystem(wheel,
        java.util.Map.of("enablePosixFileAttributes", true)); java.util.stream.Stream<Path> entries =
        Files.walk(zip.getPath("/"))) {
      for (Path e : (Iterable<Path>) entries::iterator) {
        if (!Files.isRegularFile(e)) continue;
        String name = e.toString().substring(1);
        if (name.split("/")[0].endsWith(".dist-info")) continue;
        Path out = base.resolve(name).normalize();
        if (!out.startsWith(base)) throw new IOException(wheel.getFileName() + ": entry " + name + " leaves the folder");
        Files.createDirectories(out.getParent());
        Files.copy(e, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        java.util.Set<java.nio.file.attribute.PosixFilePermission> mode;
        try {
          mode = Files.getPosixFilePermissions(e);
        } catch (UnsupportedOperationException x) {
          // An entry written without Unix modes (a wheel zipped off Unix) carries no execute bit to keep.
          mode = java.util.Set.of();
        }
        if (mode.contains(java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE)) {
          Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
      }
    }
  }
}
