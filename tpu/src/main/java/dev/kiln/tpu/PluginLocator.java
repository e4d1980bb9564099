package dev.kiln.tpu;

import dev.kiln.tpu.cuda.CudaCompileToolchain;
import dev.kiln.tpu.cuda.CudaInstaller;
import dev.kiln.tpu.cuda.CudaLibraries;
import dev.kiln.core.Flags;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Finds PJRT plugin libraries, in this order: an explicit {@code --plugin PATH}, the {@code KILN_PJRT_PLUGIN}
 * environment variable, Kiln's cache ({@code ~/.cache/kiln/pjrt/<name>/}, filled by {@code kiln plugin install}),
 * and the Python site-packages of {@code python3} ({@code jax_plugins/xla_cuda*}, {@code libtpu/}).
 */
public final class PluginLocator {
  /** Kinds of plugin Kiln knows, with the library names to look for. */
  public enum Kind {
    CPU("cpu"), CUDA("cuda"), TPU("tpu");

    public final String id;

    Kind(String id) {
      this.id = id;
    }

    public static Kind of(String id) {
      for (Kind k : values()) if (k.id.equals(id)) return k;
      throw new IllegalArgumentException("unknown plugin kind '" + id + "': expected cpu, cuda or tpu");
    }
  }

  /** A found plugin: its path and where it was found. */
  public record Found(Path path, String source) {}

  private PluginLocator() {}

  /** The cache root, {@code $KILN_CACHE} or {@code ~/.cache/kiln}. */
  public static Path cacheRoot() {
    String env = Flags.CACHE.value();
    return env != null ? Path.of(env) : Path.of(Flags.USER_HOME.value(), ".cache", "kiln");
  }

  public static Path cacheDir(Kind kind) {
    return cacheRoot().resolve("pjrt").resolve(kind.id);
  }

  /**
   * The plugin to use for {@code kind} (or, when {@code kind} is null, the first of any kind in the order cpu is
   * tried last: tpu, cuda, cpu).
   */
  public static Optional<Found> find(Kind kind, Path explicit) {
    if (explicit != null) {
      return Optional.of(new Found(explicit, "--plugin"));
    }
    String env = Flags.PJRT_PLUGIN.raw();
    if (env != null && !env.isBlank()) {
      return Optional.of(new Found(Path.of(env), "KILN_PJRT_PLUGIN"));
    }
    List<Kind> kinds = kind != null ? List.of(kind) : List.of(Kind.TPU, Kind.CUDA, Kind.CPU);
    for (Kind k : kinds) {
      Optional<Path> c = inCache(k);
      if (c.isPresent()) return Optional.of(new Found(c.get(), "cache"));
    }
    for (Kind k : kinds) {
      Optional<Path> s = inSitePackages(k);
      if (s.isPresent()) return Optional.of(new Found(s.get(), "site-packages"));
    }
    return Optional.empty();
  }

  /** Every plugin Kiln can see, for {@code kiln plugin list}. */
  public static List<String> describeAll() {
    List<String> lines = new ArrayList<>();
    String env = Flags.PJRT_PLUGIN.raw();
    if (env != null && !env.isBlank()) lines.add("KILN_PJRT_PLUGIN  " + env);
    for (Kind k : Kind.values()) {
      inCache(k).ifPresent(p -> lines.add(String.format("%-4s cache          %s", k.id, p)));
      inSitePackages(k).ifPresent(p -> lines.add(String.format("%-4s site-packages  %s", k.id, p)));
      if (k == Kind.CUDA) {
        for (Path p : java.util.stream.Stream.of(inCache(k), inSitePackages(k)).flatMap(Optional::stream).toList()) {
          lines.add("     what " + p.getFileName() + " needs:");
          for (CudaLibraries.Piece piece : CudaLibraries.check(p)) {
            lines.add(String.format("       %-30s %s", piece.name(), piece.ok() ? piece.found() : "MISSING"));
          }
        }
      }
    }
    return lines;
  }

  /** Where {@code kiln plugin install cuda --compile-only} puts the GPU compile toolchain. */
  public static Path cudaCompilerDir() {
    return cacheRoot().resolve("pjrt").resolve("cuda-compile");
  }

  /**
   * The CUDA plugin to compile for a GPU target with, ptxas and libdevice beside it: {@code --plugin}, then the full
   * CUDA install, then the compile-only one; an error naming what is missing and how to install it otherwise.
   */
  public static Path cudaCompiler(Path explicit) {
    if (explicit != null) return explicit;
    List<Path> dirs = List.of(cacheDir(Kind.CUDA), cudaCompilerDir());
    for (Path d : dirs) if (CudaCompileToolchain.missing(d) == null) return d.resolve(CudaInstaller.PLUGIN);
    String what = Files.isDirectory(cudaCompilerDir()) ? CudaCompileToolchain.missing(cudaCompilerDir())
        : "the CUDA plugin with ptxas and libdevice";
    throw new IllegalArgumentException("compiling for a GPU needs " + what + " (looked in " + dirs.get(0) + " and "
        + dirs.get(1) + "): run './kiln plugin install cuda --compile-only' (about 260 MB), or pass --plugin PATH");
  }

  public static Optional<Path> inCache(Kind k) {
    Path dir = cacheDir(k);
    if (!Files.isDirectory(dir)) return Optional.empty();
    // The CUDA install is laid out as site-packages (the plugin's RPATH finds the NVIDIA wheels beside it).
    if (k == Kind.CUDA) return existing(dir.resolve(CudaInstaller.PLUGIN));
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".so")).sorted().findFirst();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  static Optional<Path> inSitePackages(Kind k) {
    for (Path site : sitePackages()) {
      Optional<Path> p = switch (k) {
        case CUDA -> firstMatch(site.resolve("jax_plugins"), "xla_cuda", "xla_cuda_plugin.so");
        case TPU -> existing(site.resolve("libtpu").resolve("libtpu.so"));
        case CPU -> firstMatch(site.resolve("xla_plugins"), "xla_cpu", "xla_cpu_pjrt.so");
      };
      if (p.isPresent()) return p;
    }
    return Optional.empty();
  }

  private static Optional<Path> existing(Path p) {
    return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
  }

  private static Optional<Path> firstMatch(Path dir, String prefix, String lib) {
    if (!Files.isDirectory(dir)) return Optional.empty();
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(d -> d.getFileName().toString().startsWith(prefix)).sorted()
          .map(d -> d.resolve(lib)).filter(Files::isRegularFile).findFirst();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static volatile List<Path> sites;

  /** The site-packages directories of {@code python3} on the PATH (empty when there is none). */
  static List<Path> sitePackages() {
    List<Path> s = sites;
    if (s != null) return s;
    List<Path> out = new ArrayList<>();
    try {
      Process p = new ProcessBuilder("python3", "-c",
          "import site,sys\nfor d in site.getsitepackages()+[site.getusersitepackages()]+sys.path: print(d)")
          .redirectErrorStream(true).start();
      p.getOutputStream().close();
      String text = new String(p.getInputStream().readAllBytes());
      if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
        for (String line : text.split("\n")) {
          if (!line.isBlank() && Files.isDirectory(Path.of(line.trim()))) {
            Path d = Path.of(line.trim());
            if (!out.contains(d)) out.add(d);
          }
        }
      }
    } catch (IOException e) {
      // no python3: nothing to search
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sites = List.copyOf(out);
    return sites;
  }
}
