package dev.kiln.tpu.cuda;

import dev.kiln.tpu.pjrt.ElfSymbols;
import dev.kiln.core.Flags;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Whether the CUDA plugin can start here, found without loading it: the plugin opens CUDA's libraries at run time
 * (it has no NEEDED entry on them), looking in its RPATH ({@code $ORIGIN/../../nvidia/cu13/lib}, ...), then the
 * loader's usual places; and it needs the NVIDIA driver's {@code libcuda.so.1} and nvcc's {@code ptxas}. A missing
 * piece is named here, in one line, rather than by a crash inside the plugin.
 */
public final class CudaLibraries {
  private CudaLibraries() {}

  /** The libraries XLA's GPU backend opens (the sonames of the CUDA 13 wheels it is built against). */
  static final List<String> SONAMES = List.of("libcudart.so.13", "libcublas.so.13", "libcublasLt.so.13",
      "libcufft.so.12", "libcusolver.so.12", "libcusparse.so.12", "libnvJitLink.so.13", "libnvrtc.so.13",
      "libcupti.so.13", "libcudnn.so.9", "libnccl.so.2", "libnvshmem_host.so.3");

  /** One piece and where it was found (null: missing). */
  public record Piece(String name, Path found) {
    public boolean ok() {
      return found != null;
    }
  }

  /** Every piece the plugin at {@code plugin} needs, found or not; the driver last. */
  public static List<Piece> check(Path plugin) {
    return check(plugin, systemDirs(), driverDirs());
  }

  static List<Piece> check(Path plugin, List<Path> systemDirs, List<Path> driverDirs) {
    Set<Path> dirs = new LinkedHashSet<>();
    try {
      for (String d : ElfSymbols.runPath(plugin)) {
        dirs.add(Path.of(d.replace("$ORIGIN", plugin.toAbsolutePath().getParent().toString())).normalize());
      }
    } catch (IOException e) {
      // an unreadable plugin: every library is looked for in the system places only
    }
    List<Path> libDirs = new ArrayList<>(dirs);
    libDirs.addAll(systemDirs);
    List<Piece> out = new ArrayList<>();
    for (String so : SONAMES) out.add(new Piece(so, find(so, libDirs)));
    List<Path> binDirs = new ArrayList<>();
    for (Path d : dirs) binDirs.add(d.resolveSibling("bin"));
    for (String p : Flags.PATH.value().split(":")) if (!p.isEmpty()) binDirs.add(Path.of(p));
    out.add(new Piece("ptxas", find("ptxas", binDirs)));
    out.add(new Piece("libcuda.so.1 (NVIDIA driver)", find("libcuda.so.1", driverDirs)));
    return out;
  }

  private static Path find(String name, List<Path> dirs) {
    for (Path d : dirs) {
      Path p = d.resolve(name);
      if (Files.exists(p)) return p;
    }
    return null;
  }

  /** LD_LIBRARY_PATH, then the folders of the loader's cache (ldconfig -p). */
  static List<Path> systemDirs() {
    List<Path> out = new ArrayList<>();
    for (String p : Flags.LD_LIBRARY_PATH.value().split(":")) {
      if (!p.isEmpty()) out.add(Path.of(p));
    }
    out.addAll(ldconfigDirs());
    return out;
  }

  /** Where drivers live: the loader's places plus those NVIDIA's container runtime and WSL use. */
  static List<Path> driverDirs() {
    List<Path> out = systemDirs();
    for (String p : List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/local/nvidia/lib64", "/usr/lib/wsl/lib")) {
      out.add(Path.of(p));
    }
    return out;
  }

  private static List<Path> ldconfigDirs() {
    Set<Path> out = new LinkedHashSet<>();
    for (String exe : List.of("/sbin/ldconfig", "/usr/sbin/ldconfig")) {
      if (!Files.isExecutable(Path.of(exe))) continue;
      try {
        Process p = new ProcessBuilder(exe, "-p").redirectErrorStream(true).start();
        p.getOutputStream().close();
        String text = new String(p.getInputStream().readAllBytes());
        if (p.waitFor(10, TimeUnit.SECONDS)) {
          for (String line : text.split("\n")) {
            int arrow = line.lastIndexOf("=> ");
            if (arrow > 0) {
              Path parent = Path.of(line.substring(arrow + 3).trim()).getParent();
              if (parent != null) out.add(parent);
            }
          }
        }
      } catch (IOException e) {
        // no loader cache to read
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      break;
    }
    return new ArrayList<>(out);
  }

  /**
   * Whether {@code lib} is a CUDA plugin whose pieces can be checked: its file name says cuda, or its RPATH points
   * at NVIDIA's wheels. Another library given as {@code pjrt:cuda} is loaded and rejected by its platform name.
   */
  public static boolean isCudaPlugin(Path lib) {
    if (lib.getFileName().toString().contains("cuda")) return true;
    try {
      return ElfSymbols.runPath(lib).stream().anyMatch(d -> d.contains("nvidia"));
    } catch (IOException e) {
      return false;
    }
  }

  /** One line naming what is missing, or null when everything was found. */
  public static String missing(Path plugin, List<Piece> pieces) {
    List<String> libs = new ArrayList<>();
    boolean driver = true;
    for (Piece p : pieces) {
      if (p.ok()) continue;
      if (p.name().startsWith("libcuda.so.1")) driver = false;
      else libs.add(p.name());
    }
    if (libs.isEmpty() && driver) return null;
    StringBuilder b = new StringBuilder("the CUDA plugin " + plugin + " cannot start:");
    if (!libs.isEmpty()) {
      b.append(" missing ").append(String.join(", ", libs)).append(" (./kiln plugin install cuda fetches them)");
    }
    if (!driver) b.append(libs.isEmpty() ? "" : ";").append(" no NVIDIA driver (libcuda.so.1) on this machine");
    return b.toString();
  }
}
