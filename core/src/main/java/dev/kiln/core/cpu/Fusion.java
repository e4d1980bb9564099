package dev.kiln.core.cpu;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.graph.Graph;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.BroadcastInDim;
import dev.kiln.core.op.Elementwise;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Elementwise fusion for the Java backend. Chains of {@link Elementwise} nodes of one shape are grouped into
 * regions that run chunk by chunk (a few thousand elements, cache-resident): intermediates are never materialized
 * and a broadcast that only feeds fused nodes (a scalar, or an operand spanning the trailing dimensions, like a bias)
 * is read periodically from its small operand instead of being expanded. The RNG's ~60 integer ops per draw and the
 * normalization/batch-norm arithmetic are what this saves memory traffic on.
 *
 * <p>A region runs at the position of its last node. Nodes join a region only when all their users are already in
 * it; regions merge only when every outside user of their results comes after the merged region's position, so the
 * interpreter's order stays valid.
 */
final class Fusion {
  static final int CHUNK = 2048;
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

  /** A fused region: members in graph order, which of them are results, how each reads its inputs. */
  record Region(int position, int[] members, boolean[] root, Source[][] sources) {}

  /** The fusion plan of a graph. */
  record Plan(int[] regionOf, boolean[] virtual, List<Region> regions, Region[] regionAt) {}

  private Fusion() {}

  static Plan plan(Graph g, boolean[] isOutput) {
    List<Value> nodes = g.nodes();
    int n = nodes.size();
    List<List<Integer>> users = new ArrayList<>();
    for (int i = 0; i < n; i++) users.add(new ArrayList<>());
    for (int i = 0; i < n; i++) {
      for (Value in : nodes.get(i).inputs()) users.get(g.indexOf(in)).add(i);
    }
    boolean[] fusible = new boolean[n];
    for (int i = 0; i < n; i++) fusible[i] = fusible(nodes.get(i));

    // Regions, formed from the last node backwards: union-find over region ids with their position (max member)
    // and the earliest outside user of any of their results.
    int[] region = new int[n];
    Arrays.fill(region, -1);
    List<int[]> info = new ArrayList<>(); // {position, earliestOutsideUser}
    List<Integer> parent = new ArrayList<>();
    for (int i = n - 1; i >= 0; i--) {
      if (!fusible[i]) continue;
      List<Integer> us = users.get(i);
      boolean canJoin = !isOutput[i] && !us.isEmpty();
      for (int u : us) {
        canJoin &= fusible[u] && region[u] >= 0 && nodes.get(u).shape().equals(nodes.get(i).shape());
      }
      if (canJoin) {
        List<Integer> rs = new ArrayList<>();
        for (int u : us) {
          int r = find(parent, region[u]);
          if (!rs.contains(r)) rs.add(r);
        }
        int pos = 0, earliest = Integer.MAX_VALUE;
        for (int r : rs) {
          pos = Math.max(pos, info.get(r)[0]);
          earliest = Math.min(earliest, info.get(r)[1]);
        }
        if (rs.size() == 1 || earliest > pos) {
          int root = rs.get(0);
          for (int r : rs) parent.set(r, root);
          info.get(root)[0] = pos;
          info.get(root)[1] = earliest;
          region[i] = root;
          continue;
        }
      }
      int id = parent.size();
      parent.add(id);
      int earliest = Integer.MAX_VALUE;
      for (int u : us) earliest = Math.min(earliest, u);
      info.add(new int[] {i, earliest});
      region[i] = id;
    }
    for (int i = 0; i < n; i++) if (region[i] >= 0) region[i] = find(parent, region[i]);

    // Broadcasts whose every user is fused are read periodically and never materialized.
    boolean[] virtual = new boolean[n];
    for (int i = 0; i < n; i++) {
      if (isOutput[i] || period(nodes.get(i)) < 0 || users.get(i).isEmpty()) continue;
      boolean all = true;
      for (int u : users.get(i)) all &= region[u] >= 0;
      virtual[i] = all;
    }

    // Materialize the regions.
    List<Region> regions = new ArrayList<>();
    Region[] at = new Region[n];
    int[] regionOf = new int[n];
    Arrays.fill(regionOf, -1);
    List<List<Integer>> members = new ArrayList<>();
    for (int i = 0; i < parent.size(); i++) members.add(new ArrayList<>());
    for (int i = 0; i < n; i++) if (region[i] >= 0) members.get(region[i]).add(i);
    for (List<Integer> ms : members) {
      if (ms.isEmpty()) continue;
      int[] m = ms.stream().mapToInt(Integer::intValue).toArray();
      int pos = m[m.length - 1];
      boolean[] root = new boolean[m.length];
      Source[][] src = new Source[m.length][];
      for (int k = 0; k < m.length; k++) {
        int slot = m[k];
        for (int u : users.get(slot)) root[k] |= region[u] != region[slot];
        root[k] |= isOutput[slot];
        List<Value> ins = nodes.get(slot).inputs();
        src[k] = new Source[ins.size()];
        for (int q = 0; q < ins.size(); q++) {
          int s = g.indexOf(ins.get(q));
          int mi = Arrays.binarySearch(m, s);
          if (region[s] == region[slot] && mi >= 0) {
            src[k][q] = Source.inRegion(mi);
          } else if (virtual[s]) {
            Value b = nodes.get(s);
            src[k][q] = Source.periodic(g.indexOf(b.input(0)), period(b));
          } else if (ins.get(q).rank() == 0) {
            src[k][q] = Source.periodic(s, 1);
          } else {
            src[k][q] = Source.direct(s);
          }
        }
      }
      Region r = new Region(pos, m, root, src);
      int id = regions.size();
      regions.add(r);
      at[pos] = r;
      for (int s : m) regionOf[s] = id;
    }
    return new Plan(regionOf, virtual, regions, at);
  }

  private static int find(List<Integer> parent, int x) {
    while (parent.get(x) != x) {
      parent.set(x, parent.get(parent.get(x)));
      x = parent.get(x);
    }
    return x;
  }

  /** Elementwise, big enough, and every operand of the result's shape or a scalar. */
  private static boolean fusible(Value v) {
    if (!(v.op() instanceof Elementwise) || v.shape().longSize() < MIN_SIZE) return false;
    for (Value in : v.inputs()) {
      if (!in.shape().equals(v.shape()) && in.rank() != 0) return false;
    }
    return true;
  }

  /**
   * For a broadcast_in_dim whose operand is a scalar or spans the trailing dimensions of the result, the period
   * (operand size) at which the result repeats it; otherwise −1.
   */
  static int period(Value b) {
    if (!(b.op() instanceof BroadcastInDim bd)) return -1;
    Value x = b.input(0);
    int r = b.rank(), k = x.rank();
    for (int i = 0; i < k; i++) {
      if (bd.dims()[i] != r - k + i || x.dim(i) != b.dim(r - k + i)) return -1;
    }
    return x.shape().size();
  }

  /** Runs a region: fills {@code vals} for its results from {@code vals} of its inputs. */
  static void run(CpuContext ctx, Region r, List<Value> nodes, Tensor[] vals) {
    int m = r.members().length;
    Value last = nodes.get(r.position());
    int n = last.shape().size();
    Object[] full = new Object[m];
    for (int k = 0; k < m; k++) {
      if (r.root()[k]) full[k] = Tensor.newArray(nodes.get(r.members()[k]).dtype(), n);
    }
    int chunks = (n + CHUNK - 1) / CHUNK;
    ctx.parallelFor(chunks, 4, (cs, ce) -> {
      Object[] buf = new Object[m];
      Object[][] periodic = new Object[m][];
      for (int k = 0; k < m; k++) {
        Value v = nodes.get(r.members()[k]);
        if (!r.root()[k]) buf[k] = Tensor.newArray(v.dtype(), CHUNK);
        periodic[k] = new Object[r.sources()[k].length];
        for (int q = 0; q < periodic[k].length; q++) {
          Source s = r.sources()[k][q];
          if (s.period() > 0) periodic[k][q] = Tensor.newArray(vals[s.slot()].dtype(), CHUNK);
        }
      }
      for (int c = cs; c < ce; c++) {
        int start = c * CHUNK, len = Math.min(CHUNK, n - start);
        for (int k = 0; k < m; k++) {
          Value v = nodes.get(r.members()[k]);
          Source[] src = r.sources()[k];
          Object[] in = new Object[src.length];
          int[] off = new int[src.length];
          DType[] types = new DType[src.length];
          for (int q = 0; q < src.length; q++) {
            Source s = src[q];
            types[q] = v.input(q).dtype();
            if (s.member() >= 0) {
              boolean root = r.root()[s.member()];
              in[q] = root ? full[s.member()] : buf[s.member()];
              off[q] = root ? start : 0;
            } else if (s.period() > 0) {
              Tensor t = vals[s.slot()];
              fillPeriodic(t.array(), s.period(), start, periodic[k][q], len);
              in[q] = periodic[k][q];
              types[q] = t.dtype();
            } else {
              in[q] = vals[s.slot()].array();
              off[q] = start;
            }
          }
          boolean root = r.root()[k];
          ((Elementwise) v.op()).evalRange(in, off, types, root ? full[k] : buf[k], root ? start : 0, len, v.dtype());
        }
      }
    });
    for (int k = 0; k < m; k++) {
      if (r.root()[k]) {
        Value v = nodes.get(r.members()[k]);
        vals[r.members()[k]] = Tensor.wrap(v.dtype(), v.shape(), full[k]);
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
