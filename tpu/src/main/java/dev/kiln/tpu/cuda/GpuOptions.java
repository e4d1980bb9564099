package dev.kiln.tpu.cuda;

import dev.kiln.core.Flags;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CUDA plugin's client options, with JAX's names and defaults: {@code memory_fraction} (the share of device
 * memory to preallocate, 0.75 unless set), {@code preallocate} (true unless set) and {@code visible_devices} (all
 * unless set). They come from JAX's environment variables ({@code XLA_PYTHON_CLIENT_MEM_FRACTION},
 * {@code XLA_PYTHON_CLIENT_PREALLOCATE}, {@code JAX_CUDA_VISIBLE_DEVICES}) or Kiln's flags, which win. Only options
 * that were set are passed: the plugin rejects names it does not know and has the same defaults.
 */
public final class GpuOptions {
  private GpuOptions() {}

  private static volatile Double flagFraction;
  private static volatile Boolean flagPreallocate;
  private static volatile String flagDevices;

  /** Records the command line's flags (null: not given) for every CUDA client this process creates. */
  public static void setFlags(Double memoryFraction, Boolean preallocate, String visibleDevices) {
    if (memoryFraction != null) flagFraction = memoryFraction;
    if (preallocate != null) flagPreallocate = preallocate;
    if (visibleDevices != null) flagDevices = visibleDevices;
    resolve(flagFraction, flagPreallocate, flagDevices); // fail on a bad value now, not when the client opens
  }

  /** Options for {@code PJRT_Client_Create}: the flags, else the environment, else the plugin's defaults. */
  public static Map<String, Object> current() {
    return resolve(flagFraction, flagPreallocate, flagDevices);
  }

  /** Options for {@code PJRT_Client_Create}; any argument may be null (then the environment, then the default). */
  public static Map<String, Object> resolve(Double memoryFraction, Boolean preallocate, String visibleDevices) {
    Map<String, String> env = new HashMap<>();
    for (Flags.Flag f : List.of(Flags.GPU_MEMORY_FRACTION, Flags.GPU_PREALLOCATE, Flags.GPU_VISIBLE_DEVICES)) {
      if (f.isSet()) env.put(f.name(), f.raw());
    }
    return resolve(memoryFraction, preallocate, visibleDevices, env);
  }

  static Map<String, Object> resolve(Double memoryFraction, Boolean preallocate, String visibleDevices,
      Map<String, String> env) {
    Map<String, Object> out = new LinkedHashMap<>();
    String f = memoryFraction != null ? memoryFraction.toString() : env.get("XLA_PYTHON_CLIENT_MEM_FRACTION");
    if (f != null) {
      double v;
      try {
        v = Double.parseDouble(f);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("GPU memory fraction '" + f + "' is not a number");
      }
      if (!(v > 0 && v <= 1)) throw new IllegalArgumentException("GPU memory fraction " + v + " is not in (0, 1]");
      out.put("memory_fraction", (float) v);
    }
    String p = preallocate != null ? preallocate.toString() : env.get("XLA_PYTHON_CLIENT_PREALLOCATE");
    if (p != null) {
      if (!p.equalsIgnoreCase("true") && !p.equalsIgnoreCase("false")) {
        throw new IllegalArgumentException("GPU preallocate '" + p + "' is not true or false");
      }
      out.put("preallocate", Boolean.parseBoolean(p));
    }
    String d = visibleDevices != null ? visibleDevices : env.get("JAX_CUDA_VISIBLE_DEVICES");
    if (d != null && !d.equals("all")) {
      String[] parts = d.split(",");
      long[] ids = new long[parts.length];
      for (int i = 0; i < parts.length; i++) {
        try {
          ids[i] = Long.parseLong(parts[i].trim());
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("GPU visible devices '" + d + "': expected ids such as 0,1 or 'all'");
        }
      }
      out.put("visible_devices", ids);
    }
    return out;
  }
}
