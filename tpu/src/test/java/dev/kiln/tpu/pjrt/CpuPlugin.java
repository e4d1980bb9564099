package dev.kiln.tpu.pjrt;

import dev.kiln.tpu.PluginLocator;
import java.util.Map;

/**
 * The PJRT CPU plugin for tests, found the way users find it (KILN_PJRT_PLUGIN, Kiln's cache, site-packages).
 * When it is missing the tests fail, saying how to install it; they are never skipped.
 */
public final class CpuPlugin {
  private CpuPlugin() {}

  public static PjrtPlugin load() {
    PluginLocator.Found f = PluginLocator.find(PluginLocator.Kind.CPU, null).orElseThrow(() -> new AssertionError(
        "PJRT CPU plugin not found (looked at KILN_PJRT_PLUGIN, " + PluginLocator.cacheDir(PluginLocator.Kind.CPU)
            + " and python3's site-packages): run './kiln plugin install cpu' (.ci/run does this)"));
    return PjrtPlugin.load(f.path());
  }

  /** A backend over the CPU plugin with {@code devices} devices. */
  static PjrtBackend backend(int devices) {
    return new PjrtBackend(load(), Map.of("cpu_device_count", (long) devices));
  }
}
