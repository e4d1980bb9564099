package dev.kiln.core.cpu;

import dev.kiln.core.Flags;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.backend.Backend;
import dev.kiln.core.backend.CompileOptions;
import dev.kiln.core.backend.Device;
import dev.kiln.core.backend.DeviceArray;
import dev.kiln.core.backend.Executable;
import dev.kiln.core.graph.Cse;
import dev.kiln.core.graph.Graph;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Parameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The embedded backend and Kiln's default: interprets a graph node by node with the primitives' Java kernels on the
 * threads of a {@link CpuContext}. "Compiling" merges common subexpressions ({@link Cse}), plans elementwise fusion,
 * and computes, for every node, the step after which its value is no longer needed, so intermediates are released as
 * soon as their last user has run and their arrays go back to the plan's {@link Arena} for later nodes and later runs.
 * One device, one replica.
 */
public final class JavaBackend implements Backend {
  private static final Device CPU = new Device(0, "cpu");
  /** Elementwise fusion is on unless KILN_NO_FUSION is set (for comparisons and debugging). */
  static final boolean FUSE = !Flags.NO_FUSION.isSet();
  private final CpuContext ctx;
  private final boolean fuse;

  public JavaBackend() {
    this(CpuContext.create());
  }

  public JavaBackend(CpuContext ctx) {
    this(ctx, FUSE);
  }

  /** A backend on {@code ctx}; {@code fuse} turns elementwise fusion on or off (results are identical). */
  public JavaBackend(CpuContext ctx, boolean fuse) {
    this.ctx = ctx;
    this.fuse = fuse;
  }

  public CpuContext context() {
    return ctx;
  }

  @Override
  public String name() {
    return "java";
  }

  @Override
  public java.util.OptionalLong freeMemory(Device device) {
    Runtime rt = Runtime.getRuntime();
    return java.util.OptionalLong.of(rt.maxMemory() - (rt.totalMemory() - rt.freeMemory()));
  }

  @Override
  public List<Device> devices() {
    return List.of(CPU);
  }

  @Override
  public Executable compile(Graph graph, CompileOptions options) {
    if (options.replicas() != 1) {
      throw new IllegalArgumentException("the java backend runs one replica; asked for " + options.replicas());
    }
    return new Plan(graph, Cse.apply(graph), options);
  }

  @Override
  public DeviceArray put(Tensor tensor, Device device) {
    if (!device.equals(CPU)) throw new IllegalArgumentException("the java backend has no device " + device);
    return new HostArray(tensor);
  }

  @Override
  public Tensor get(DeviceArray array) {
    return ((HostArray) array).tensor();
  }

  @Override
  public void close() {
    ctx.close();
  }

  /** A host tensor posing as a device array. */
  static final class HostArray implements DeviceArray {
    private Tensor tensor;

    HostArray(Tensor t) {
      this.tensor = t;
    }

    Tensor tensor() {
      if (tensor == null) throw new IllegalStateException("array was closed or donated to a previous run");
      return tensor;
    }

    @Override public TensorType type() { return tensor().type(); }
    @Override public Device device() { return CPU; }
    @Override public boolean isDeleted() { return tensor == null; }
    @Override public void close() { tensor = null; }
  }

  /** A graph with its release schedule. */
  private final class Plan implements Executable {
    private final Graph graph;
    private final CompileOptions options;
    private final List<Value> nodes;
    private final int[][] inputSlots;
    private final int[][] releaseAfter; // slots whose last use is step i
    private final int[] outputSlots;
    private final Fusion.Plan fusion;
    /** The constants' values by slot (null elsewhere), evaluated once when the plan is made. */
    private final Tensor[] constants;
    private final Arena arena = new Arena();

    /** {@code graph} as compiled; {@code simplified}, the same function with common subexpressions merged, runs. */
    Plan(Graph graph, Graph simplified, CompileOptions options) {
      this.graph = graph;
      this.options = options;
      for (var d : options.donations().entrySet()) {
        int p = d.getKey(), o = d.getValue();
        if (p < 0 || p >= graph.parameters().size() || o < 0 || o >= graph.outputs().size()
            || !graph.parameters().get(p).type().equals(graph.outputs().get(o).type())) {
          throw new IllegalArgumentException("cannot donate parameter " + p + " to output " + o);
        }
      }
      this.nodes = simplified.nodes();
      int n = nodes.size();
      outputSlots = simplified.outputs().stream().mapToInt(simplified::indexOf).toArray();
      boolean[] isOutput = new boolean[n];
      for (int s : outputSlots) isOutput[s] = true;
      this.fusion = fuse ? Fusion.plan(simplified, isOutput) : null;
      constants = new Tensor[n];
      for (int i = 0; i < n; i++) {
        Value v = nodes.get(i);
        if (Fusion.hoisted(v)) constants[i] = v.op().eval(ctx, new Tensor[0], v.type());
      }
      inputSlots = new int[n][];
      int[] lastUse = new int[n];
      Arrays.fill(lastUse, -1);
      for (int i = 0; i < n; i++) {
        List<Value> ins = nodes.get(i).inputs();
        inputSlots[i] = new int[ins.size()];
        for (int k = 0; k < ins.size(); k++) inputSlots[i][k] = simplified.indexOf(ins.get(k));
      }
      // A value is last used where its last reader runs: a fused reader runs at its region's position, and a
      // virtual broadcast's operand is read by the broadcast's readers.
      for (int i = 0; i < n; i++) {
        if (fusion != null && fusion.virtual()[i]) continue;
        int at = fusion != null && fusion.regionOf()[i] >= 0 ? fusion.regions().get(fusion.regionOf()[i]).position() : i;
        for (int s : inputSlots[i]) {
          int src = fusion != null && fusion.virtual()[s] ? inputSlots[s][0] : s;
          lastUse[src] = Math.max(lastUse[src], at);
        }
      }
      for (int s : outputSlots) lastUse[s] = Integer.MAX_VALUE;
      List<List<Integer>> rel = new ArrayList<>();
      for (int i = 0; i < n; i++) rel.add(new ArrayList<>());
      for (int s = 0; s < n; s++) if (lastUse[s] >= 0 && lastUse[s] < n) rel.get(lastUse[s]).add(s);
      releaseAfter = new int[n][];
      for (int i = 0; i < n; i++) releaseAfter[i] = rel.get(i).stream().mapToInt(Integer::intValue).toArray();
    }

    @Override public Graph graph() { return graph; }
    @Override public CompileOptions options() { return options; }

    @Override
    public List<List<DeviceArray>> execute(List<List<DeviceArray>> argumentsPerReplica) {
      if (argumentsPerReplica.size() != 1) {
        throw new IllegalArgumentException("the java backend runs one replica; got " + argumentsPerReplica.size()
            + " argument lists");
      }
      List<DeviceArray> args = argumentsPerReplica.get(0);
      List<Value> params = graph.parameters();
      if (args.size() != params.size()) {
        throw new IllegalArgumentException("expected " + params.size() + " arguments, got " + args.size());
      }
      Tensor[] argTensors = new Tensor[args.size()];
      for (int i = 0; i < args.size(); i++) {
        Tensor t = ((HostArray) args.get(i)).tensor();
        if (!t.type().equals(params.get(i).type())) {
          throw new IllegalArgumentException("argument " + i + " (" + ((Parameter) params.get(i).op()).name()
              + ") has type " + t.type() + ", expected " + params.get(i).type());
        }
        argTensors[i] = t;
      }
      Tensor[] vals = new Tensor[nodes.size()];
      Arena previous = arena.enter();
      try {
        run(argTensors, vals);
      } finally {
        arena.exit(previous);
      }
      List<DeviceArray> outs = new ArrayList<>(outputSlots.length);
      for (int s : outputSlots) outs.add(new HostArray(vals[s]));
      for (int p : options.donations().keySet()) args.get(p).close();
      return List.of(outs);
    }

    /** Runs the nodes in order, filling {@code vals}; a released value's array goes back to the arena. */
    private void run(Tensor[] argTensors, Tensor[] vals) {
      // Constants first: a fused region may read one that the graph defines after the region's position.
      for (int i = 0; i < nodes.size(); i++) if (constants[i] != null) vals[i] = constants[i];
      for (int i = 0; i < nodes.size(); i++) {
        Value v = nodes.get(i);
        if (constants[i] != null) {
          // set above
        } else if (v.op() instanceof Parameter p) {
          vals[i] = argTensors[p.index()];
        } else if (fusion != null && fusion.regionAt()[i] != null) {
          long t0 = Profile.ENABLED ? System.nanoTime() : 0;
          try {
            Fusion.run(ctx, fusion.regionAt()[i], nodes, vals);
          } catch (RuntimeException e) {
            throw new IllegalStateException("java backend: fused elementwise region ending at %" + v.id() + " ("
                + v.op().name() + " : " + v.type() + ") failed: " + e.getMessage(), e);
          }
          if (Profile.ENABLED) {
            Profile.add(fusion.regionAt()[i].describe(nodes), System.nanoTime() - t0);
          }
        } else if (fusion == null || (fusion.regionOf()[i] < 0 && !fusion.virtual()[i] && !fusion.sunk()[i])) {
          Tensor[] ins = new Tensor[inputSlots[i].length];
          for (int k = 0; k < ins.length; k++) ins[k] = vals[inputSlots[i][k]];
          long t0 = Profile.ENABLED ? System.nanoTime() : 0;
          try {
            vals[i] = v.op().eval(ctx, ins, v.type());
            if (Profile.ENABLED) Profile.add(v.op().name() + " " + v.type(), System.nanoTime() - t0);
          } catch (RuntimeException e) {
            throw new IllegalStateException("java backend: " + v.op().name() + " (%" + v.id() + " : " + v.type()
                + ") failed: " + e.getMessage(), e);
          }
        }
        for (int s : releaseAfter[i]) release(vals, s);
      }
    }

    /**
     * Drops slot {@code s}; its array goes back to the arena when the arena issued it and no live value shares it (a
     * reshape's result is its operand's array).
     */
    private void release(Tensor[] vals, int s) {
      Tensor t = vals[s];
      vals[s] = null;
      if (t == null || t.isBufferBacked() || !arena.owns(t.array())) return;
      Object a = t.array();
      for (Tensor v : vals) if (v != null && !v.isBufferBacked() && v.array() == a) return;
      arena.giveBack(a);
    }
  }
}
