package dev.kiln.tpu.libtpu;

import dev.kiln.core.Flags;
import dev.kiln.tpu.pjrt.PjrtC;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * What libtpu needs from the process before it initializes, and whether a TPU is attached at all.
 *
 * <p>Compiling for a topology needs no TPU, but libtpu's initialization queries the cloud metadata server unless
 * {@code TPU_SKIP_MDS_QUERY=1}, and without a TPU VM that hangs for minutes. Kiln sets it (and
 * {@code TPU_WORKER_HOSTNAMES=localhost}, which silences a harmless error, and {@code ALLOW_MULTIPLE_LIBTPU_LOAD=1},
 * so compile-only processes do not fight over libtpu's lock file) in its own process, so a user never has to.
 */
public final class TpuEnvironment {
  private TpuEnvironment() {}

  /** Sets libtpu's settings for compiling without a TPU, leaving any the user set alone. Call before loading. */
  public static void prepareForTopologyCompile() {
    setIfAbsent(Flags.TPU_SKIP_MDS_QUERY, "1");
    setIfAbsent(Flags.TPU_WORKER_HOSTNAMES, "localhost");
    setIfAbsent(Flags.ALLOW_MULTIPLE_LIBTPU_LOAD, "1");
  }

  private static void setIfAbsent(Flags.Flag flag, String value) {
    if (!flag.isSet()) PjrtC.kiln_setenv(flag.name(), value);
  }

  /** True when this machine exposes a TPU: TPU VMs have {@code /dev/accel*} (v2-v4) or {@code /dev/vfio} (v5+). */
  public static boolean attached() {
    return attached(Path.of("/dev"));
  }

  static boolean attached(Path dev) {
    if (Files.isDirectory(dev.resolve("vfio"))) {
      try (Stream<Path> s = Files.list(dev.resolve("vfio"))) {
        // /dev/vfio/vfio alone is the VFIO control node, present on many hosts; a TPU adds numbered groups.
        if (s.anyMatch(p -> p.getFileName().toString().matches("\\d+"))) return true;
      } catch (IOException e) {
        // unreadable: treat as absent
      }
    }
    try (Stream<Path> s = Files.list(dev)) {
      return s.anyMatch(p -> p.getFileName().toString().matches("accel\\d+"));
    } catch (IOException e) {
      return false;
    }
  }

  /** The one-line error for {@code pjrt:tpu} on a machine without a TPU. */
  public static String notAttachedMessage() {
    return "no TPU is attached to this machine (no /dev/accel* or /dev/vfio device): pjrt:tpu runs on a TPU VM. "
        + "To compile for a TPU without one, give a topology: kiln check --backend pjrt:tpu --topology v3-8";
  }
}
