package dev.kiln.tpu.cuda;

import dev.kiln.tpu.pjrt.PjrtException;
import dev.kiln.tpu.pjrt.PjrtPlugin;
import dev.kiln.tpu.pjrt.PjrtTopology;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * A GPU to compile for with no GPU attached: a device spec kept in the repository as data
 * ({@code targets/NAME.txtpb}, a {@code GpuTargetConfigProto} in text form whose header says where each figure comes
 * from), given to the CUDA plugin as its {@code target_config} with a {@code topology} of one host and N GPUs.
 */
public record GpuTarget(String name, String config) {
  /** The targets Kiln ships. */
  public static final List<String> NAMES = List.of("h100", "h200", "a100", "b200");

  /** The target {@code name} (h100, h200, a100, b200); another name is an error listing them. */
  public static GpuTarget of(String name) {
    if (!NAMES.contains(name)) {
      throw new IllegalArgumentException("unknown GPU target '" + name + "': expected one of " + String.join(", ", NAMES));
    }
    try (InputStream in = GpuTarget.class.getResourceAsStream("targets/" + name + ".txtpb")) {
      if (in == null) throw new IllegalStateException("the target spec targets/" + name + ".txtpb is missing from the jar");
      return new GpuTarget(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Describes {@code gpus} of this target on one host with the CUDA plugin {@code plugin}, for {@link
   * PjrtTopology#compile}. The plugin compiles with its own ptxas and libdevice, which must lie beside it.
   */
  public PjrtTopology topology(PjrtPlugin plugin, int gpus) {
    if (gpus < 1) throw new IllegalArgumentException("--gpus must be at least 1, not " + gpus);
    String label = name + (gpus > 1 ? " x " + gpus : "");
    try {
      return PjrtTopology.create(plugin, "", Map.of("topology", "1x1x" + gpus, "target_config", config), label);
    } catch (PjrtException e) {
      throw new IllegalArgumentException("the CUDA plugin " + plugin.path() + " does not accept the target " + label
          + ": " + e.getMessage(), e);
    }
  }
}
