package dev.kiln.tpu.libtpu;

import dev.kiln.tpu.pjrt.AotExecutable;
import dev.kiln.tpu.pjrt.Pjrt;
import dev.kiln.tpu.pjrt.PjrtException;
import dev.kiln.tpu.pjrt.PjrtPlugin;
import dev.kiln.tpu.pjrt.PjrtC;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * A TPU topology described by libtpu with no TPU attached ({@code PJRT_TopologyDescription_Create}): what the
 * ahead-of-time compiler ({@code PJRT_Compile}, no client) targets. Owns the native description.
 */
public final class TpuTopology implements AutoCloseable {
  private final PjrtPlugin plugin;
  private final TpuTopologyName name;
  private PjrtC.PJRT_TopologyDescription handle;
  private final String platform;
  private final List<String> deviceKinds = new ArrayList<>();

  private TpuTopology(PjrtPlugin plugin, TpuTopologyName name, PjrtC.PJRT_TopologyDescription handle) {
    this.plugin = plugin;
    this.name = name;
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
   * Describes {@code topology} ({@code v3-8}, {@code v4-8}, {@code v5e-4}, {@code v3-32}, or libtpu's own form) with
   * the libtpu plugin at {@code plugin}, setting libtpu's environment for a machine without a TPU first.
   */
  public static TpuTopology create(java.nio.file.Path libtpu, String topology) {
    TpuTopologyName n = TpuTopologyName.parse(topology);
    TpuEnvironment.prepareForTopologyCompile();
    PjrtPlugin plugin = PjrtPlugin.load(libtpu);
    Pjrt pjrt = plugin.pjrt();
    try (PointerScope scope = new PointerScope()) {
      byte[] nb = n.libtpu().getBytes(StandardCharsets.UTF_8);
      BytePointer np = new BytePointer(nb);
      var a = Pjrt.args(new PjrtC.PJRT_TopologyDescription_Create_Args());
      a.topology_name(np).topology_name_size(nb.length);
      try {
        pjrt.call(PjrtC.KILN_SLOT_TopologyDescription_Create, a, "TopologyDescription_Create(" + n.libtpu() + ")");
      } catch (PjrtException e) {
        throw new IllegalArgumentException("libtpu does not accept the topology " + topology + " (" + n.libtpu()
            + "): " + e.getMessage(), e);
      }
      return new TpuTopology(plugin, n, new PjrtC.PJRT_TopologyDescription(a.topology()));
    }
  }

  public TpuTopologyName name() {
    return name;
  }

  public PjrtPlugin plugin() {
    return plugin;
  }

  /** "tpu" for libtpu. */
  public String platform() {
    return platform;
  }

  /** One entry per device (TensorCore, or chip with megacore): its kind, e.g. "TPU v3". */
  public List<String> deviceKinds() {
    return List.copyOf(deviceKinds);
  }

  public int deviceCount() {
    return deviceKinds.size();
  }

  /**
   * Compiles StableHLO text for this topology with no client and no device ({@code PJRT_Compile}); the result can
   * be inspected (replicas, cost analysis, optimized HLO) but not run.
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
      pjrt.call(PjrtC.KILN_SLOT_Compile, a, "Compile for " + name.libtpu());
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
