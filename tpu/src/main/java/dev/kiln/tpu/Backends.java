package dev.kiln.tpu;

import dev.kiln.core.backend.Backend;
import dev.kiln.core.cpu.JavaBackend;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Opens a backend by name: {@code java}, {@code pjrt:cpu}, {@code pjrt:cuda}, {@code pjrt:tpu}, or {@code auto}
 * (the first PJRT plugin found — tpu, then cuda, then cpu — else {@code java}).
 */
public final class Backends {
  private Backends() {}

  /** The names accepted by {@link #open}. */
  public static final String NAMES = "auto, java, pjrt:cpu, pjrt:cuda, pjrt:tpu";

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
        Optional<PluginLocator.Found> f = PluginLocator.find(null, plugin);
        return f.isPresent() ? new PjrtBackend(PjrtPlugin.load(f.get().path()), clientOptions) : new JavaBackend();
      }
      default:
        if (!name.startsWith("pjrt:")) {
          throw new IllegalArgumentException("unknown backend '" + name + "': expected one of " + NAMES);
        }
        PluginLocator.Kind kind = PluginLocator.Kind.of(name.substring(5));
        PluginLocator.Found f = PluginLocator.find(kind, plugin).orElseThrow(() -> new IllegalArgumentException(
            "no " + kind.id + " PJRT plugin found: run './kiln plugin install " + kind.id
                + "', set KILN_PJRT_PLUGIN, or pass --plugin PATH"));
        PjrtBackend b = new PjrtBackend(PjrtPlugin.load(f.path()), clientOptions);
        if (!b.name().equals(name)) {
          String got = b.name();
          b.close();
          throw new IllegalArgumentException("plugin " + f.path() + " is " + got + ", not " + name);
        }
        return b;
    }
  }
}
