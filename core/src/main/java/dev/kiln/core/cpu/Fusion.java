package dev.kiln.core.cpu;

import dev.kiln.core.Flags;
import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.graph.Graph;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Constant;
import dev.kiln.core.op.Elementwise;
import java.util.Arrays;
import java.util.List;

/**
 * Elementwise fusion for the Java backend. Chains of {@link Elementwise} nodes of one shape are grouped into
 * regions that run chunk by chunk (a few thousand elements, cache-resident): intermediates are never materialized
 * and a broadcast that only feeds fused nodes (a scalar, or an operand spanning the trailing dimensions, like a bias)
 * is read periodically from its small operand instead of being expanded. The RNG's ~60 integer ops per draw and the
 * normalization/batch-norm arithmetic are what this saves memory traffic on.
 *
 * <p>{@link FusionPlanner} decides the regions; this class holds the plan's types and runs a region.
 */
final class Fusion {
  /**
   * Elements per chunk: each member passes over a whole chunk before the next runs, so longer chunks stream a region's
   * large inputs from memory better and shorter ones keep its intermediates in L1 (measurements: docs/benchmarks.md).
   */
  static final int CHUNK = 4096;
  /**
   * Whether regions of float32 arithmetic, comparisons and selects run as compiled loops ({@link RegionLoop});
   * {@code -Dkiln.fusion.loops=false} runs every region through the chunk interpreter, to compare the two.
   */
  static final boolean LOOPS = Flags.FUSION_LOOPS.enabled();
  /** Smaller tensors are not worth a region: the per-chunk bookkeeping would dominate. */
  static final int MIN_SIZE = 4096;

  /** How one input of a region member is read. */
  record Source(int member, int slot, int period) {
    static Source inRegion(int member) {
      return new Source(member, -1, 0);
    }

    static Source direct(int slot) {
      return new Source(-1, slot, 0);
    }

    /** Element i is {@code slot}'s element i mod period. */
    static Source periodic(int slot, int period) {
      return new Source(-1, slot, period);
    }
  }

  /**
   * A fused region: members in graph order, which of them are results, how each reads its inputs, and for each
   * member the sum reduction it feeds as a sink (its node index; −1 for none): a sink is summed as the region runs
   * and never materialized, and the region produces the reduction's result. {@code loop} is the region compiled to
   * one vector loop, or null where the chunk interpreter runs it alone.
   */
  record Region(int position, int[] members, boolean[] root, Source[][] sources, int[] sink, RegionLoop loop) {
    boolean hasSinks() {
      for (int r : sink) if (r >= 0) return true;
      return false;
    }

    /**
     * What the region computes, for the profile: its members' ops in order, the shape, and how many results it
     * writes out and sums it sinks, e.g. {@code fused subtract multiply subtract multiply F32[4096, 20, 64]: 1 out,
     * 1 sum} (the sums count as memory traffic that never happens, the results as traffic that does).
     */
    String describe(List<Value> nodes) {
      StringBuilder b = new StringBuilder("fused");
      int outs = 0, sums = 0;
      for (int k = 0; k < members.length; k++) {
        b.append(' ').append(nodes.get(members[k]).op().name());
        if (root[k]) outs++;
        if (sink[k] >= 0) sums++;
      }
      return b.append(' ').append(nodes.get(position).type()).append(": ").append(outs).append(" out, ").append(sums)
          .append(sums == 1 ? " sum" : " sums").toString();
    }
  }

  /** The fusion plan of a graph; {@code sunk} marks the reductions that regions compute. */
  record Plan(int[] regionOf, boolean[] virtual, List<Region> regions, Region[] regionAt, boolean[] sunk) {}

  private Fusion() {}

  /** The fusion plan of {@code g}, whose nodes flagged in {@code isOutput} are its results ({@link FusionPlanner}). */
  static Plan plan(Graph g, boolean[] isOutput) {
    return FusionPlanner.plan(g, isOutput);
  }

  /** Constants: the interpreter evaluates them before any other node, so they are ready for every region. */
  static boolean hoisted(Value v) {
    return v.op() instanceof Constant;
  }

  /**
   * Runs a region: fills {@code vals} for its results, and for the reductions it sinks, from {@code vals} of its
   * inputs. Without sinks it runs chunk by chunk in parallel. With sinks it splits the elements into the same row
   * ranges, summed in float64 in the same order and combined in the same order, as {@link Reductions#reduce}: a sunk
   * sum is bit-identical to materializing its operand and reducing it.
   */
  static void run(CpuContext ctx, Region r, List<Value> nodes, Tensor[] vals) {
    int m = r.members().length;
    int n = nodes.get(r.position()).shape().size();
    Object[] full = new Object[m];
    for (int k = 0; k < m; k++) {
      if (r.root()[k]) full[k] = Arena.uninitialized(nodes.get(r.members()[k]).dtype(), n);
    }
    if (r.hasSinks()) {
      runSummed(ctx, r, nodes, vals, full, n);
    } else {
      int chunks = (n + CHUNK - 1) / CHUNK;
      ctx.parallelFor(chunks, 4, (cs, ce) -> {
        Chunker w = new Chunker(r, nodes, vals, full);
        for (int c = cs; c < ce; c++) w.eval(c * CHUNK, Math.min(CHUNK, n - c * CHUNK), null);
      });
    }
    for (int k = 0; k < m; k++) {
      if (r.root()[k]) {
        Value v = nodes.get(r.members()[k]);
        vals[r.members()[k]] = Tensor.wrap(v.dtype(), v.shape(), full[k]);
      }
    }
  }

  /**
   * Runs a region with sinks over {@code n} elements: each part of {@link Reductions#reduce}'s row split sums into
   * its own partial sums, and the partials are combined in part order into the sunk reductions' values.
   */
  private static void runSummed(CpuContext ctx, Region r, List<Value> nodes, Tensor[] vals, Object[] full, int n) {
    int m = r.members().length;
    Value last = nodes.get(r.position());
    int inner = last.shape().dim(last.rank() - 1);
    int rows = n / inner;
    int parts = Math.max(1, Math.min(ctx.parallelism(), rows / 64));
    double[][][] acc = new double[m][parts][];
    ctx.parallelFor(parts, 1, (ps, pe) -> {
      Chunker w = new Chunker(r, nodes, vals, full);
      for (int part = ps; part < pe; part++) {
        int s = (int) ((long) rows * part / parts) * inner, e = (int) ((long) rows * (part + 1) / parts) * inner;
        double[][] sums = new double[m][];
        for (int k = 0; k < m; k++) {
          if (r.sink()[k] >= 0) sums[k] = acc[k][part] = new double[nodes.get(r.sink()[k]).shape().size()];
        }
        sumRange(r, w, full, s, e, sums);
      }
    });
    for (int k = 0; k < m; k++) {
      if (r.sink()[k] < 0) continue;
      double[] sum = acc[k][0];
      for (int p = 1; p < parts; p++) for (int i = 0; i < sum.length; i++) sum[i] += acc[k][p][i];
      Value red = nodes.get(r.sink()[k]);
      Object out = red.dtype() == DType.F64 ? sum : toFloat(sum);
      vals[r.sink()[k]] = Tensor.wrap(red.dtype(), red.shape(), out);
    }
  }

  /** Evaluates elements [s, e) chunk by chunk and adds each sunk member's values into its {@code sums}, in order. */
  private static void sumRange(Region r, Chunker w, Object[] full, int s, int e, double[][] sums) {
    for (int start = s; start < e; start += CHUNK) {
      int len = Math.min(CHUNK, e - start);
      int looped = w.eval(start, len, sums);
      for (int k = 0; k < sums.length; k++) {
        if (r.sink()[k] < 0) continue;
        // The compiled loop summed the whole vectors it ran over; the rest are summed here, after them, in order.
        int from = r.loop() != null && r.loop().sums(k) ? looped : 0;
        if (r.root()[k]) accumulate(full[k], start + from, len - from, start + from, sums[k]);
        else accumulate(w.result(k), from, len - from, start + from, sums[k]);
      }
    }
  }

  /** acc[(start + i) mod acc.length] += values[off + i] for i in [0, len), in order. */
  private static void accumulate(Object values, int off, int len, int start, double[] acc) {
    int period = acc.length, j = start % period;
    if (values instanceof float[] f) {
      for (int i = 0; i < len; ) {
        int run = Math.min(period - j, len - i);
        FloatKernels.addTo(acc, j, f, off + i, run);
        i += run;
        j = 0;
      }
    } else {
      double[] d = (double[]) values;
      for (int i = 0; i < len; i++) {
        acc[j] += d[off + i];
        if (++j == period) j = 0;
      }
    }
  }

  private static float[] toFloat(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
    return f;
  }

  /** One worker's evaluation of a region over element ranges of at most {@link #CHUNK}, with its own buffers. */
  private static final class Chunker {
    private final Region r;
    private final List<Value> nodes;
    private final Tensor[] vals;
    private final Object[] full;
    private final Object[] buf;
    /**
     * For each periodic input, the operand repeated over CHUNK + period − 1 elements from phase 0 (filled once), or
     * null for a period longer than a chunk: a chunk at phase p reads it from offset p, with no copy per chunk (copies
     * per chunk cost the seed's input normalization dearly: docs/benchmarks.md).
     */
    private final Object[][] periodic;
    /** A chunk-long buffer for periodic inputs longer than a chunk, where a chunk wraps past the period's end. */
    private final Object[][] wrapped;
    /** Each outside operand's array and offset for the current chunk (null for operands from the region). */
    private final Object[][] inArray;
    private final int[][] inOffset;
    /** The kernels' operand arrays, offsets and dtypes, by member. */
    private final Object[][] memberIn;
    private final int[][] memberOff;
    private final DType[][] memberTypes;
    /** The compiled loop's arrays and offsets. */
    private final Object[] loopArrays;
    private final int[] loopOffsets;

    Chunker(Region r, List<Value> nodes, Tensor[] vals, Object[] full) {
      this.r = r;
      this.nodes = nodes;
      this.vals = vals;
      this.full = full;
      int m = r.members().length;
      buf = new Object[m];
      periodic = new Object[m][];
      wrapped = new Object[m][];
      inArray = new Object[m][];
      inOffset = new int[m][];
      memberIn = new Object[m][];
      memberOff = new int[m][];
      memberTypes = new DType[m][];
      int params = r.loop() == null ? 0 : r.loop().params.size();
      loopArrays = new Object[params];
      loopOffsets = new int[params];
      for (int k = 0; k < m; k++) {
        Value v = nodes.get(r.members()[k]);
        if (!r.root()[k]) buf[k] = Tensor.newArray(v.dtype(), CHUNK);
        int operands = r.sources()[k].length;
        periodic[k] = new Object[operands];
        wrapped[k] = new Object[operands];
        inArray[k] = new Object[operands];
        inOffset[k] = new int[operands];
        memberIn[k] = new Object[operands];
        memberOff[k] = new int[operands];
        memberTypes[k] = new DType[operands];
        for (int q = 0; q < operands; q++) {
          Source s = r.sources()[k][q];
          memberTypes[k][q] = v.input(q).dtype();
          if (s.period() <= 0) continue;
          Tensor t = vals[s.slot()];
          if (s.period() > CHUNK) {
            wrapped[k][q] = Tensor.newArray(t.dtype(), CHUNK);
          } else {
            int size = CHUNK + s.period() - 1;
            periodic[k][q] = Tensor.newArray(t.dtype(), size);
            fillPeriodic(t.array(), s.period(), 0, periodic[k][q], size);
          }
        }
      }
    }

    /** A non-root member's values for the last range evaluated (from index 0). */
    Object result(int k) {
      return buf[k];
    }

    /**
     * Computes the chunk of {@code len} elements from {@code start}: its whole vectors in the region's compiled loop
     * where it has one (which adds members into {@code sums}, their float64 sums by member, where it takes them), the
     * rest (or all) member by member through the kernels. Returns where the loop stopped (0 where it did not run).
     */
    int eval(int start, int len, double[][] sums) {
      int m = r.members().length;
      for (int k = 0; k < m; k++) {
        Source[] src = r.sources()[k];
        for (int q = 0; q < src.length; q++) {
          if (src[q].member() < 0) resolve(k, q, start, len);
        }
      }
      int from = 0;
      RegionLoop loop = r.loop();
      if (loop != null && loop.ready() && (from = len / RegionLoop.LANES * RegionLoop.LANES) > 0) {
        for (int j = 0; j < loop.params.size(); j++) {
          RegionLoop.Param p = loop.params.get(j);
          int k = p.member();
          if (p.output()) {
            loopArrays[j] = r.root()[k] ? full[k] : buf[k];
            loopOffsets[j] = r.root()[k] ? start : 0;
          } else if (p.sum()) {
            loopArrays[j] = sums[k];
            loopOffsets[j] = start % sums[k].length;
          } else {
            loopArrays[j] = inArray[k][p.operand()];
            loopOffsets[j] = inOffset[k][p.operand()];
          }
        }
        loop.run(loopArrays, loopOffsets, from);
      }
      if (from < len) interpret(start, from, len);
      return from;
    }

    /**
     * Where operand q of member k, read from outside the region, has this chunk's first element: its array, or a
     * periodic operand's repeated copy at the chunk's phase.
     */
    private void resolve(int k, int q, int start, int len) {
      Source s = r.sources()[k][q];
      Tensor t = vals[s.slot()];
      if (s.period() <= 0) {
        inArray[k][q] = t.array();
        inOffset[k][q] = start;
        return;
      }
      int phase = start % s.period();
      if (periodic[k][q] != null) {
        inArray[k][q] = periodic[k][q];
        inOffset[k][q] = phase;
      } else if (phase + len <= s.period()) {
        inArray[k][q] = t.array();
        inOffset[k][q] = phase;
      } else {
        fillPeriodic(t.array(), s.period(), start, wrapped[k][q], len);
        inArray[k][q] = wrapped[k][q];
        inOffset[k][q] = 0;
      }
    }

    /** Elements [from, len) of the chunk at {@code start}, each member over them in turn through its kernel. */
    private void interpret(int start, int from, int len) {
      for (int k = 0; k < r.members().length; k++) {
        Value v = nodes.get(r.members()[k]);
        Source[] src = r.sources()[k];
        Object[] in = memberIn[k];
        int[] off = memberOff[k];
        for (int q = 0; q < src.length; q++) {
          Source s = src[q];
          if (s.member() >= 0) {
            boolean root = r.root()[s.member()];
            in[q] = root ? full[s.member()] : buf[s.member()];
            off[q] = (root ? start : 0) + from;
          } else {
            in[q] = inArray[k][q];
            off[q] = inOffset[k][q] + from;
          }
        }
        boolean root = r.root()[k];
        ((Elementwise) v.op()).evalRange(in, off, memberTypes[k], root ? full[k] : buf[k], (root ? start : 0) + from,
            len - from, v.dtype());
      }
    }
  }

  /** dst[i] = src[(start + i) mod period] for i in [0, len). */
  private static void fillPeriodic(Object src, int period, int start, Object dst, int len) {
    int pos = start % period, i = 0;
    while (i < len) {
      int run = Math.min(period - pos, len - i);
      if (period == 1) {
        fillScalar(src, dst, i, len);
        return;
      }
      System.arraycopy(src, pos, dst, i, run);
      i += run;
      pos = 0;
    }
  }

  private static void fillScalar(Object src, Object dst, int from, int to) {
    switch (src) {
      case float[] f -> Arrays.fill((float[]) dst, from, to, f[0]);
      case double[] d -> Arrays.fill((double[]) dst, from, to, d[0]);
      case int[] a -> Arrays.fill((int[]) dst, from, to, a[0]);
      case boolean[] b -> Arrays.fill((boolean[]) dst, from, to, b[0]);
      default -> throw new IllegalStateException("unexpected array " + src.getClass());
    }
  }
}
