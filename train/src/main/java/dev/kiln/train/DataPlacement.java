package dev.kiln.train;

import dev.kiln.core.backend.Backend;
import java.io.PrintStream;
import java.util.OptionalLong;

/**
 * Whether a run keeps its dataset on the devices ({@code --data-on-device}): {@code always}, {@code never}, or
 * {@code auto}: when the tables take at most half of the device's free memory as the backend reports it (a GPU's or
 * TPU's memory statistics, the host's free memory for pjrt:cpu, the JVM's free heap for java); a backend that
 * reports nothing streams. The choice is said in one line.
 */
final class DataPlacement {
  private DataPlacement() {}

  static boolean onDevice(String mode, Backend backend, long bytes, PrintStream out) {
    String size = String.format("%.1f MB", bytes / 1e6);
    if (mode.equals("never")) {
      out.println("data: streaming batches from the host (--data-on-device never)");
      return false;
    }
    if (mode.equals("always")) {
      out.println("data: " + size + " of rows on each device; steps are fed window start rows only");
      return true;
    }
    OptionalLong free = backend.freeMemory(backend.devices().get(0));
    if (free.isPresent() && bytes <= free.getAsLong() / 2) {
      out.println("data: " + size + " of rows on each device (" + String.format("%.1f MB", free.getAsLong() / 1e6)
          + " free); steps are fed window start rows only");
      return true;
    }
    out.println("data: streaming batches from the host: the rows need " + size + " per device, "
        + (free.isPresent() ? String.format("%.1f MB", free.getAsLong() / 1e6) + " is free (half is the limit)"
            : backend.name() + " reports no free memory") + "; --data-on-device always overrides");
    return false;
  }
}
