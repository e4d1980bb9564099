package dev.kiln.tpu;

import dev.kiln.tpu.cuda.CudaCompileToolchain;
import dev.kiln.tpu.cuda.CudaInstaller;
import dev.kiln.tpu.cuda.CudaWheels;
import dev.kiln.tpu.pjrt.ElfSymbols;
import dev.kiln.tpu.pjrt.InstallFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * {@code kiln plugin install cpu|cuda|tpu}: downloads the plugin's wheel from PyPI with {@code pip download
 * --no-deps}, extracts its shared library into {@code ~/.cache/kiln/pjrt/<kind>/} atomically (under a file lock,
 * into a temporary directory that is then renamed into place), and checks that the library exports
 * {@code GetPjrtApi}. The CUDA plugin also brings CUDA's libraries ({@link CudaInstaller}).
 */
public final class PluginInstaller {
  private PluginInstaller() {}

  /** Wheels to try per kind, in order, with the library inside each. */
  public record Candidate(String wheel, String library) {}

  public static List<Candidate> candidates(PluginLocator.Kind kind) {
    return switch (kind) {
      // The newer XLA first (PJRT API 0.106; docs/benchmarks.md, CPU plugins), the older plugin as a fallback.
      case CPU -> List.of(new Candidate("fastatomstruct-xla-cpu", "libpjrt_cpu.so"),
          new Candidate("xla-cpu-pjrt", "xla_cpu_pjrt.so"));
      case CUDA -> List.of(new Candidate("jax-cuda13-pjrt", "xla_cuda_plugin.so"));
      case TPU -> List.of(new Candidate("libtpu", "libtpu.so"));
    };
  }

  /** Installs (or reinstalls) the GPU compile toolchain alone ({@link CudaCompileToolchain}); returns the plugin. */
  public static Path installCudaCompiler(Consumer<String> log) throws IOException {
    log.accept("fetching the CUDA plugin, ptxas and libdevice (pinned wheels) ...");
    return CudaCompileToolchain.install(PluginLocator.cudaCompilerDir(), log);
  }

  /** Installs (or reinstalls) the plugin and returns the library's path. Progress lines go to {@code log}. */
  public static Path install(PluginLocator.Kind kind, Consumer<String> log) throws IOException {
    Path dest = PluginLocator.cacheDir(kind);
    if (kind == PluginLocator.Kind.CUDA) {
      // The CUDA plugin is useless without CUDA's libraries: the whole set is installed (CudaInstaller).
      log.accept("resolving jax-cuda13-pjrt and its NVIDIA wheels with pip (metadata only) ...");
      return CudaInstaller.install(CudaWheels.resolve(null), CudaInstaller.http(), dest, log);
    }
    Files.createDirectories(dest.getParent());
    Path lockFile = dest.getParent().resolve(".lock");
    try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
         FileLock lock = ch.lock()) {
      List<String> failures = new ArrayList<>();
      for (Candidate c : candidates(kind)) {
        Path work = Files.createTempDirectory(dest.getParent(), "." + kind.id + "-");
        try {
          log.accept("downloading " + c.wheel() + " with pip ...");
          Path wheel = pipDownload(c.wheel(), work.resolve("wheel"));
          Path staged = work.resolve("staged");
          Files.createDirectories(staged);
          Path lib = extract(wheel, c.library(), staged);
          if (!ElfSymbols.exports(lib, "GetPjrtApi")) {
            throw new IOException(lib.getFileName() + " from " + wheel.getFileName() + " does not export GetPjrtApi");
          }
          Files.writeString(staged.resolve("SOURCE"), wheel.getFileName() + "\n");
          InstallFiles.replace(staged, dest);
          Path installed = dest.resolve(lib.getFileName());
          log.accept("installed " + installed);
          return installed;
        } catch (IOException e) {
          failures.add(c.wheel() + ": " + e.getMessage());
          log.accept("  " + c.wheel() + " failed: " + e.getMessage());
        } finally {
          InstallFiles.deleteTree(work);
        }
      }
      throw new IOException("could not install a " + kind.id + " PJRT plugin: " + String.join("; ", failures));
    }
  }

  private static Path pipDownload(String pkg, Path dir) throws IOException {
    Files.createDirectories(dir);
    List<String> cmd = List.of(pythonOrPip(), "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
        "--quiet", "-d", dir.toString(), pkg);
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IOException("pip is not available (" + e.getMessage() + "); install Python 3 with pip", e);
    }
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes());
    try {
      if (!p.waitFor(15, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IOException("pip download " + pkg + " timed out");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (p.exitValue() != 0) {
      throw new IOException("pip download " + pkg + " exited " + p.exitValue() + ": " + lastLines(out, 4));
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(f -> f.toString().endsWith(".whl")).findFirst()
          .orElseThrow(() -> new IOException("pip download " + pkg + " produced no wheel"));
    }
  }

  private static String pythonOrPip() {
    return "python3";
  }

  private static String lastLines(String s, int n) {
    String[] lines = s.strip().split("\n");
    return String.join(" | ", java.util.Arrays.asList(lines).subList(Math.max(0, lines.length - n), lines.length));
  }

  /** Extracts the entry whose file name is {@code library} from the wheel into {@code dir}. */
  static Path extract(Path wheel, String library, Path dir) throws IOException {
    try (ZipFile zip = new ZipFile(wheel.toFile())) {
      Enumeration<? extends ZipEntry> en = zip.entries();
      while (en.hasMoreElements()) {
        ZipEntry e = en.nextElement();
        String name = e.getName();
        if (!e.isDirectory() && (name.equals(library) || name.endsWith("/" + library))) {
          Path out = dir.resolve(library);
          try (InputStream in = zip.getInputStream(e)) {
            Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
          }
          return out;
        }
      }
    }
    throw new IOException(wheel.getFileName() + " contains no " + library);
  }
}
