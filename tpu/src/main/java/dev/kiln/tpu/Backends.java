package dev.kiln.tpu;

import dev.kiln.tpu.libtpu.TpuEnvironment;
import dev.kiln.tpu.pjrt.PjrtBackend;
import dev.kiln.tpu.pjrt.PjrtPlugin;
import dev.kiln.core.backend.Backend;
import dev.kiln.core.cpu.JavaBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The backends by name: a registry of name → factory. Kiln registers {@code java}, {@code pjrt:cpu},
 * {@code pjrt:cuda}, {@code pjrt:tpu} and {@code auto} (the first PJRT plugin found whose hardware is present — tpu
 * when a TPU is attached, cuda when an NVIDIA driver is, then cpu — else {@code java}); {@link #register} adds more.
 */
public final class Backends {
  private Backends() {}

  /** Opens one backend; {@code plugin} (may be null) overrides plugin discovery, options go to the client. */
  @FunctionalInterface
  public interface Factory {
    Backend open(Path plugin, Map<String, Object> clientOptions);
  }

  private static final Map<String, Factory> REGISTRY = new LinkedHashMap<>();

  static {
    register("auto", Backends::openAuto);
    register("java", (plugin, options) -> new JavaBackend());
    for (PluginLocator.Kind k : PluginLocator.Kind.values()) {
      register("pjrt:" + k.id, (plugin, options) -> PjrtBackends.open(k, plugin, options));
    }
  }

  /** Adds (or replaces) the backend {@code name}. */
  public static synchronized void register(String name, Factory factory) {
    REGISTRY.put(name, factory);
  }

  /** The registered names, comma-separated, in registration order. */
  public static synchronized String names() {
    return String.join(", ", REGISTRY.keySet());
  }

  /** Throws the error {@link #open} would give for an unknown name, without opening anything. */
  public static void checkName(String name) {
    lookup(name);
  }

  /** Opens {@code name}; {@code plugin} (may be null) overrides plugin discovery for PJRT names. */
  public static Backend open(String name, Path plugin, Map<String, Object> clientOptions) {
    return lookup(name).open(plugin, clientOptions);
  }

  private static synchronized Factory lookup(String name) {
    Factory f = REGISTRY.get(name);
    if (f == null) throw new IllegalArgumentException("unknown backend '" + name + "': expected one of " + names());
    return f;
  }

  /** The plugin kinds {@code auto} tries, in order: only those whose hardware this machine has. */
  static List<PluginLocator.Kind> autoKinds() {
    List<PluginLocator.Kind> kinds = new ArrayList<>();
    if (TpuEnvironment.attached()) kinds.add(PluginLocator.Kind.TPU);
    if (Files.exists(Path.of("/proc/driver/nvidia/version"))) kinds.add(PluginLocator.Kind.CUDA);
    kinds.add(PluginLocator.Kind.CPU);
    return kinds;
  }

  private static Backend openAuto(Path plugin, Map<String, Object> clientOptions) {
    if (plugin != null) return new PjrtBackend(PjrtPlugin.load(plugin), clientOptions);
    for (PluginLocator.Kind k : autoKinds()) {
      Optional<PluginLocator.Found> f = PluginLocator.find(k, null);
      if (f.isPresent()) return new PjrtBackend(PjrtPlugin.load(f.get().path()), clientOptions);
    }
    return new JavaBackend();
  }
}
