package dev.kiln.tpu;

import dev.kiln.tpu.cuda.CudaLibraries;
import dev.kiln.tpu.cuda.GpuOptions;
import dev.kiln.tpu.libtpu.TpuEnvironment;
import dev.kiln.tpu.pjrt.PjrtBackend;
import dev.kiln.tpu.pjrt.PjrtPlugin;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Opens the PJRT backend of one plugin kind: finds the plugin, checks what it needs before loading it (a TPU attached
 * for {@code pjrt:tpu}, whose libtpu would otherwise wait minutes on cloud metadata; CUDA's libraries and driver for
 * {@code pjrt:cuda}), and checks that the plugin is of the kind asked for.
 */
final class PjrtBackends {
  private PjrtBackends() {}

  static PjrtBackend open(PluginLocator.Kind kind, Path plugin, Map<String, Object> clientOptions) {
    if (kind == PluginLocator.Kind.TPU && !TpuEnvironment.attached()) {
      throw new IllegalArgumentException(TpuEnvironment.notAttachedMessage());
    }
    PluginLocator.Found f = PluginLocator.find(kind, plugin).orElseThrow(() -> new IllegalArgumentException(
        "no " + kind.id + " PJRT plugin found: run './kiln plugin install " + kind.id
            + "', set KILN_PJRT_PLUGIN, or pass --plugin PATH"));
    Map<String, Object> options = clientOptions;
    if (kind == PluginLocator.Kind.CUDA) {
      if (CudaLibraries.isCudaPlugin(f.path())) {
        String missing = CudaLibraries.missing(f.path(), CudaLibraries.check(f.path()));
        if (missing != null) throw new IllegalArgumentException(missing);
      }
      options = new LinkedHashMap<>(GpuOptions.current());
      options.putAll(clientOptions);
    }
    PjrtBackend b = new PjrtBackend(PjrtPlugin.load(f.path()), options);
    String name = "pjrt:" + kind.id;
    if (!b.name().equals(name)) {
      String got = b.name();
      b.close();
      throw new IllegalArgumentException("plugin " + f.path() + " is " + got + ", not " + name);
    }
    return b;
  }
}
