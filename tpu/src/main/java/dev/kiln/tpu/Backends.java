package dev.kiln.tpu;

import dev.kiln.core.backend.Backend;
import dev.kiln.core.cpu.JavaBackend;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Opens a backend by name: {@code java}, {@code pjrt:cpu}, {@code pjrt:cuda}, {@code pjrt:tpu}, or {@code auto}
 * (the first PJRT plugin found whose hardware is present — tpu when a TPU is attached, cuda when an NVIDIA driver
 * is, then cpu — else {@code java}). {@code pjrt:tpu} on a machine without a TPU fails at once with one line, before
 * libtpu is loaded (its initialization would otherwise wait on cloud metadata for minutes).
 */
public final class Backends {
  private Backends() {}

  /** The names accepted by {@link #open}. */
  public static final String NAMES = "auto, java, pjrt:cpu, pjrt:cuda, pjrt:tpu";

  /** The plugin kinds {@code auto} tries, in order: only those whose hardware this machine has. */
  static java.util.List<PluginLocator.Kind> autoKinds() {
    java.util.List<PluginLocator.Kind> kinds = new java.util.ArrayList<>();
    if (TpuEnvironment.attached()) kinds.add(PluginLocator.Kind.TPU);
    if (java.nio.file.Files.exists(Path.of("/proc/driver/nvidia/version"))) kinds.add(PluginLocator.Kind.CUDA);
    kinds.add(PluginLocator.Kind.CPU);
    return kinds;
  }

  /** Throws the error {@link #open} would give for an unknown name, without opening anything. */
  public static void checkName(String name) {
    if (name.equals("java") || name.equals("auto")) return;
    if (!name.startsWith("pjrt:")) {
      throw new IllegalArgumentException("unknown backend '" + name + "': expected one of " + NAMES);
    }
    PluginLocator.Kind.of(name.substring(5));
  }

  /**
   * Opens {@code name}. {@code plugin} (may be null) overrides plugin discovery for PJRT names;
   * {@code clientOptions} go to PJRT_Client_Create.
   */
  public static Backend open(String name, Path plugin, Map<String, Object> clientOptions) {
    switch (name) {
      case "java":
        return new JavaBackend();
      case "auto": {
        if (plugin != null) return new PjrtBackend(PjrtPlugin.load(plugin), clientOptions);
        for (PluginLocator.Kind k : autoKinds()) {
          Optional<PluginLocator.Found> f = PluginLocator.find(k, null);
          if (f.isPresent()) return new PjrtBackend(PjrtPlugin.load(f.get().path()), clientOptions);
        }
        return new JavaBackend();
      }
      default:
        if (!name.startsWith("pjrt:")) {
          throw new IllegalArgumentException("unknown backend '" + name + "': expected one of " + NAMES);
        }
        PluginLocator.Kind kind = PluginLocator.Kind.of(name.substring(5));
        if (kind == PluginLocator.Kind.TPU && !TpuEnvironment.attached()) {
          throw new IllegalArgumentException(TpuEnvironment.notAttachedMessage());
        }
        PluginLocator.Found f = PluginLocator.find(kind, plugin).orElseThrow(() -> new IllegalArgumentException(
            "no " + kind.id + " PJRT plugin found: run './kiln plugin install " + kind.id
                + "', set KILN_PJRT_PLUGIN, or pass --plugin PATH"));
        if (kind == PluginLocator.Kind.CUDA && CudaLibraries.isCudaPlugin(f.path())) {
          String missing = CudaLibraries.missing(f.path(), CudaLibraries.check(f.path()));
          if (missing != null) throw new IllegalArgumentException(missing);
        }
        Map<String, Object> opts = clientOptions;
        if (kind == PluginLocator.Kind.CUDA) {
          opts = new java.util.LinkedHashMap<>(GpuOptions.current());
          opts.putAll(clientOptions);
        }
        PjrtBackend b = new PjrtBackend(PjrtPlugin.load(f.path()), opts);
        if (!b.name().equals(name)) {
          String got = b.name();
          b.close();
          throw new IllegalArgumentException("plugin " + f.path() + " is " + got + ", not " + name);
        }
        return b;
    }
  }
}
