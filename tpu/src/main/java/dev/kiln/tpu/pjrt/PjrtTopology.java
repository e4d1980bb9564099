package dev.kiln.tpu.pjrt;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * A device topology described by a plugin with no device attached ({@code PJRT_TopologyDescription_Create}): what the
 * ahead-of-time compiler ({@code PJRT_Compile}, no client) targets. libtpu takes a topology name; the CUDA plugin a
 * {@code topology} and a {@code target_config} option. Owns the native description.
 */
public final class PjrtTopology implements AutoCloseable {
  private final PjrtPlugin plugin;
  private final String label;
  private PjrtC.PJRT_TopologyDescription handle;
  private final String platform;
  private final List<String> deviceKinds = new ArrayList<>();

  private PjrtTopology(PjrtPlugin plugin, String label, PjrtC.PJRT_TopologyDescription handle) {
    this.plugin = plugin;
    this.label = label;
    this.handle = handle;
    Pjrt pjrt = plugin.pjrt();
    try (PointerScope scope = new PointerScope()) {
      var p = Pjrt.args(new PjrtC.PJRT_TopologyDescription_PlatformName_Args());
      p.topology(handle);
      pjrt.call(PjrtC.KILN_SLOT_TopologyDescription_PlatformName, p, "TopologyDescription_PlatformName");
      platform = Pjrt.string(p.platform_name(), p.platform_name_size());
      var d = Pjrt.args(new PjrtC.PJRT_TopologyDescription_GetDeviceDescriptions_Args());
      d.topology(handle);
      pjrt.call(PjrtC.KILN_SLOT_TopologyDescription_GetDeviceDescriptions, d, "TopologyDescription_GetDeviceDescriptions");
      for (long i = 0; i < d.num_descriptions(); i++) {
        var k = Pjrt.args(new PjrtC.PJRT_DeviceDescription_Kind_Args());
        k.device_description(d.descriptions((int) i));
        pjrt.call(PjrtC.KILN_SLOT_DeviceDescription_Kind, k, "DeviceDescription_Kind");
        deviceKinds.add(Pjrt.string(k.device_kind(), k.device_kind_size()));
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * Describes a topology with {@code plugin}: {@code name} (may be empty) and the create options; {@code label} names
   * it in errors. A plugin that refuses the description throws a {@link PjrtException} with its message.
   */
  public static PjrtTopology create(PjrtPlugin plugin, String name, Map<String, Object> options, String label) {
    Pjrt pjrt = plugin.pjrt();
    try (PointerScope scope = new PointerScope()) {
      byte[] nb = name.getBytes(StandardCharsets.UTF_8);
      BytePointer np = new BytePointer(Math.max(1, nb.length));
      np.put(nb);
      List<Object> keep = new ArrayList<>();
      var a = Pjrt.args(new PjrtC.PJRT_TopologyDescription_Create_Args());
      a.topology_name(np).topology_name_size(nb.length);
      if (!options.isEmpty()) a.create_options(PjrtPlugin.NamedValues.write(options, keep)).num_options(options.size());
      pjrt.call(PjrtC.KILN_SLOT_TopologyDescription_Create, a, "TopologyDescription_Create(" + label + ")");
      return new PjrtTopology(plugin, label, new PjrtC.PJRT_TopologyDescription(a.topology()));
    }
  }

  public PjrtPlugin plugin() {
    return plugin;
  }

  /** What the caller called this topology (v3-8, h100 x 8, ...). */
  public String label() {
    return label;
  }

  /** The plugin's platform: "tpu", "cuda", ... */
  public String platform() {
    return platform;
  }

  /** One entry per device: its kind, e.g. "TPU v3" or "NVIDIA H100 80GB HBM3". */
  public List<String> deviceKinds() {
    return List.copyOf(deviceKinds);
  }

  public int deviceCount() {
    return deviceKinds.size();
  }

  /**
   * Compiles StableHLO text for this topology with no client and no device ({@code PJRT_Compile}); the result can
   * be inspected (replicas, costs, memory, optimized HLO) and serialized, but not run.
   */
  public AotExecutable compile(String mlir, byte[] compileOptions) {
    Pjrt pjrt = plugin.pjrt();
    try (PointerScope scope = new PointerScope()) {
      BytePointer code = new BytePointer(mlir.getBytes(StandardCharsets.UTF_8));
      BytePointer format = new BytePointer("mlir");
      PjrtC.PJRT_Program prog = Pjrt.args(new PjrtC.PJRT_Program());
      prog.code(code).code_size(code.capacity()).format(format).format_size(4);
      BytePointer opts = new BytePointer(compileOptions);
      var a = Pjrt.args(new PjrtC.PJRT_Compile_Args());
      a.topology(handle).program(prog).compile_options(opts).compile_options_size(compileOptions.length);
      pjrt.call(PjrtC.KILN_SLOT_Compile, a, "Compile for " + label);
      return new AotExecutable(pjrt, new PjrtC.PJRT_Executable(a.executable()));
    }
  }

  @Override
  public void close() {
    if (handle != null && !handle.isNull()) {
      plugin.pjrt().destroy(PjrtC.KILN_SLOT_TopologyDescription_Destroy, handle.address(), "TopologyDescription_Destroy");
    }
    handle = null;
  }
}
