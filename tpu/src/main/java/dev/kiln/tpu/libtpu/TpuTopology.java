package dev.kiln.tpu.libtpu;

import dev.kiln.tpu.pjrt.AotExecutable;
import dev.kiln.tpu.pjrt.PjrtException;
import dev.kiln.tpu.pjrt.PjrtPlugin;
import dev.kiln.tpu.pjrt.PjrtTopology;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A TPU topology described by libtpu with no TPU attached: a {@link PjrtTopology} named the way Cloud TPU names
 * slices (v3-8, v4-8, v5e-4, ...) or libtpu does (v3:2x2), after libtpu's process settings for compiling without a
 * TPU. Owns the description.
 */
public final class TpuTopology implements AutoCloseable {
  private final TpuTopologyName name;
  private final PjrtTopology topology;

  private TpuTopology(TpuTopologyName name, PjrtTopology topology) {
    this.name = name;
    this.topology = topology;
  }

  /** Describes {@code topology} with the libtpu plugin at {@code libtpu}. */
  public static TpuTopology create(Path libtpu, String topology) {
    TpuTopologyName n = TpuTopologyName.parse(topology);
    TpuEnvironment.prepareForTopologyCompile();
    PjrtPlugin plugin = PjrtPlugin.load(libtpu);
    try {
      return new TpuTopology(n, PjrtTopology.create(plugin, n.libtpu(), Map.of(), n.libtpu()));
    } catch (PjrtException e) {
      throw new IllegalArgumentException("libtpu does not accept the topology " + topology + " (" + n.libtpu()
          + "): " + e.getMessage(), e);
    }
  }

  public TpuTopologyName name() {
    return name;
  }

  /** The generic description, for what does not depend on the TPU naming. */
  public PjrtTopology topology() {
    return topology;
  }

  public PjrtPlugin plugin() {
    return topology.plugin();
  }

  /** "tpu" for libtpu. */
  public String platform() {
    return topology.platform();
  }

  /** One entry per device (TensorCore, or chip with megacore): its kind, e.g. "TPU v3". */
  public List<String> deviceKinds() {
    return topology.deviceKinds();
  }

  public int deviceCount() {
    return topology.deviceCount();
  }

  /** Compiles StableHLO text for this topology with no device; see {@link PjrtTopology#compile}. */
  public AotExecutable compile(String mlir, byte[] compileOptions) {
    return topology.compile(mlir, compileOptions);
  }

  @Override
  public void close() {
    topology.close();
  }
}
