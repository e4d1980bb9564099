package dev.kiln.tpu.pjrt;

import dev.kiln.core.Flags;
import dev.kiln.core.Tensor;
import dev.kiln.core.backend.Backend;
import dev.kiln.core.backend.CompileOptions;
import dev.kiln.core.backend.Device;
import dev.kiln.core.backend.DeviceArray;
import dev.kiln.core.backend.Executable;
import dev.kiln.core.graph.Graph;
import dev.kiln.core.hlo.StableHloWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The PJRT backend: a graph is lowered to StableHLO text, compiled by the plugin with a serialized
 * CompileOptionsProto, and run on the plugin's devices. Arrays stay on their device between runs; donated
 * parameters are aliased to outputs (tf.aliasing_output) so a training step updates them in place.
 */
public final class PjrtBackend implements Backend {
  private final PjrtClient client;
  private final String name;
  private CompiledPrograms programs;
  private int loaded;

  public PjrtBackend(PjrtPlugin plugin, Map<String, Object> clientOptions) {
    this.client = new PjrtClient(plugin, clientOptions);
    this.name = "pjrt:" + client.platformName();
  }

  public PjrtClient client() {
    return client;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public List<Device> devices() {
    return client.devices();
  }

  /**
   * From now on programs are loaded from {@code compiled} instead of compiled; a program it does not hold (another
   * model, batch or replica count) is an error, never a silent compile.
   */
  public void usePrograms(CompiledPrograms compiled) {
    this.programs = compiled;
  }

  /** How many programs were loaded from {@link #usePrograms}'s folder rather than compiled. */
  public int loadedPrograms() {
    return loaded;
  }

  @Override
  public Executable compile(Graph graph, CompileOptions options) {
    String mlir = StableHloWriter.write(graph, options);
    dumpIfAsked(mlir);
    if (programs != null) {
      String fp = CompiledPrograms.fingerprint(mlir, options.replicas());
      CompiledPrograms.Program p = programs.find(fp);
      if (p == null) {
        throw new IllegalArgumentException(programs.dir() + " holds no executable for this program (another model, "
            + "batch or replica count; fingerprint " + fp + "): compile it again with kiln compile");
      }
      PjrtExecutable exe = client.deserialize(p.bytes(), graph.outputTypes());
      loaded++;
      return new Compiled(graph, options, exe);
    }
    byte[] opts = CompileOptionsCodec.encode(options.replicas(), client.devices());
    PjrtExecutable exe = client.compile(mlir, opts, graph.outputTypes());
    return new Compiled(graph, options, exe);
  }

  /**
   * With {@code KILN_DUMP_STABLEHLO=DIR} in the environment, every program compiled is also written there (as
   * {@code module_N.mlir}, N in compile order): to read it, or to compile the same program with another XLA
   * ({@code scripts/jax_run_stablehlo.py}).
   */
  private void dumpIfAsked(String mlir) {
    String dir = Flags.DUMP_STABLEHLO.raw();
    if (dir == null || dir.isEmpty()) return;
    try {
      java.nio.file.Path d = java.nio.file.Files.createDirectories(java.nio.file.Path.of(dir));
      java.nio.file.Files.writeString(d.resolve("module_" + DUMPED.getAndIncrement() + ".mlir"), mlir);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("KILN_DUMP_STABLEHLO: cannot write to " + dir, e);
    }
  }

  private static final java.util.concurrent.atomic.AtomicInteger DUMPED = new java.util.concurrent.atomic.AtomicInteger();

  @Override
  public java.util.OptionalLong freeMemory(Device device) {
    java.util.OptionalLong free = client.freeMemory(device);
    if (free.isPresent() || !name.equals("pjrt:cpu")) return free;
    // The CPU plugin's device memory is the host's.
    var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return java.util.OptionalLong.of(os.getFreeMemorySize());
  }

  @Override
  public DeviceArray put(Tensor tensor, Device device) {
    return client.toDevice(tensor, device);
  }

  @Override
  public Placed putAsync(Tensor tensor, Device device) {
    return client.toDeviceAsync(tensor, device);
  }

  @Override
  public Tensor get(DeviceArray array) {
    if (!(array instanceof PjrtBuffer b)) {
      throw new IllegalArgumentException("not an array of this backend: " + array);
    }
    return b.toHost();
  }

  @Override
  public void close() {
    client.close();
  }

  /** A compiled graph with its argument checks. */
  private static final class Compiled implements Executable {
    private final Graph graph;
    private final CompileOptions options;
    private final PjrtExecutable exe;

    Compiled(Graph graph, CompileOptions options, PjrtExecutable exe) {
      this.graph = graph;
      this.options = options;
      this.exe = exe;
    }

    @Override public Graph graph() { return graph; }
    @Override public CompileOptions options() { return options; }

    @Override
    public List<List<DeviceArray>> execute(List<List<DeviceArray>> argumentsPerReplica) {
      return run(argumentsPerReplica, true);
    }

    @Override
    public List<List<DeviceArray>> enqueue(List<List<DeviceArray>> argumentsPerReplica) {
      return run(argumentsPerReplica, false);
    }

    private List<List<DeviceArray>> run(List<List<DeviceArray>> argumentsPerReplica, boolean wait) {
      List<List<PjrtBuffer>> args = new ArrayList<>();
      for (List<DeviceArray> list : argumentsPerReplica) {
        if (list.size() != graph.parameters().size()) {
          throw new IllegalArgumentException("expected " + graph.parameters().size() + " arguments, got " + list.size());
        }
        List<PjrtBuffer> bs = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
          DeviceArray a = list.get(i);
          if (!(a instanceof PjrtBuffer b)) throw new IllegalArgumentException("argument " + i + " is not a PJRT buffer");
          if (!b.type().equals(graph.parameters().get(i).type())) {
            throw new IllegalArgumentException("argument " + i + " has type " + b.type() + ", expected "
                + graph.parameters().get(i).type());
          }
          bs.add(b);
        }
        args.add(bs);
      }
      List<List<PjrtBuffer>> outs = exe.execute(args, options.donations().keySet(), wait);
      List<List<DeviceArray>> r = new ArrayList<>();
      for (List<PjrtBuffer> o : outs) r.add(new ArrayList<>(o));
      return r;
    }

    @Override
    public void close() {
      exe.close();
    }
  }
}
