package dev.kiln.core.cpu;

import dev.kiln.core.cpu.Fusion.Plan;
import dev.kiln.core.cpu.Fusion.Region;
import dev.kiln.core.cpu.Fusion.Source;
import dev.kiln.core.graph.Graph;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.BroadcastInDim;
import dev.kiln.core.op.Elementwise;
import dev.kiln.core.op.Reduce;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Plans a graph's elementwise fusion ({@link Fusion}), in five phases: regions grown from the last node backwards
 * ({@link #formRegions}), broadcasts read in place ({@link #markVirtualBroadcasts}), sibling regions merged
 * ({@link #mergeSiblings}), sums taken as their operand's region runs ({@link #attachSinks}), and the regions built
 * ({@link #buildPlan}).
 *
 * <p>A region runs at the position of its last node. Nodes join a region only when all their users are already in
 * it; regions merge only when every outside user of their results comes after the merged region's position, so the
 * interpreter's order stays valid. Then a later region that shares reads with an earlier one of the same shape, and
 * needs nothing computed in between, runs within it, at the earlier position.
 */
final class FusionPlanner {
  /** Where a region being grown runs (its last member) and the first node outside it that reads one of its results. */
  record Extent(int position, int earliestOutsideUser) {
    Extent merge(Extent o) {
      return new Extent(Math.max(position, o.position), Math.min(earliestOutsideUser, o.earliestOutsideUser));
    }

    /** Whether every outside reader runs after the region: a merge that keeps this keeps the interpreter's order. */
    boolean precedesOutsideUsers() {
      return earliestOutsideUser > position;
    }
  }

  /** Union-find over region ids; each set's root holds the extent of the region the set forms. */
  static final class RegionSets {
    private final List<Integer> parent = new ArrayList<>();
    private final List<Extent> extent = new ArrayList<>();

    /** A new region of its own; returns its id. */
    int add(Extent e) {
      int id = parent.size();
      parent.add(id);
      extent.add(e);
      return id;
    }

    /** The root of id's set (halving the path on the way). */
    int find(int id) {
      while (parent.get(id) != id) {
        parent.set(id, parent.get(parent.get(id)));
        id = parent.get(id);
      }
      return id;
    }

    Extent extent(int root) {
      return extent.get(root);
    }

    /** Merges the sets of these roots into the first one, which takes {@code merged}; returns that root. */
    int union(List<Integer> roots, Extent merged) {
      int root = roots.get(0);
      for (int r : roots) parent.set(r, root);
      extent.set(root, merged);
      return root;
    }

    /** How many ids were handed out (roots and merged ones). */
    int size() {
      return parent.size();
    }
  }

  private final Graph g;
  private final List<Value> nodes;
  private final int n;
  private final boolean[] isOutput;
  private final List<List<Integer>> users = new ArrayList<>();
  private final boolean[] fusible;
  /** Each node's region id (−1 for none): its set's root after {@link #formRegions}, then as siblings merge. */
  private final int[] region;
  private final RegionSets sets = new RegionSets();
  private final boolean[] virtual;
  /** Each region id's position, −1 for ids that are no region's (set by {@link #mergeSiblings}). */
  private int[] position;
  /** For each region member, the reduction it feeds as a sink (−1 for none), and the reductions sunk. */
  private final int[] sinkFor;
  private final boolean[] sunk;

  private FusionPlanner(Graph g, boolean[] isOutput) {
    this.g = g;
    this.nodes = g.nodes();
    this.n = nodes.size();
    this.isOutput = isOutput;
    for (int i = 0; i < n; i++) users.add(new ArrayList<>());
    for (int i = 0; i < n; i++) {
      for (Value in : nodes.get(i).inputs()) users.get(g.indexOf(in)).add(i);
    }
    fusible = new boolean[n];
    for (int i = 0; i < n; i++) fusible[i] = fusible(nodes.get(i));
    region = new int[n];
    Arrays.fill(region, -1);
    virtual = new boolean[n];
    sinkFor = new int[n];
    Arrays.fill(sinkFor, -1);
    sunk = new boolean[n];
  }

  /** The fusion plan of {@code g}, whose nodes flagged in {@code isOutput} are its results. */
  static Plan plan(Graph g, boolean[] isOutput) {
    FusionPlanner p = new FusionPlanner(g, isOutput);
    p.formRegions();
    p.markVirtualBroadcasts();
    p.mergeSiblings();
    p.attachSinks();
    return p.buildPlan();
  }

  /**
   * Grows regions from the last node backwards: a fusible node joins its users' regions (merging them) where it can
   * ({@link #joinUsers}), and starts a region of its own otherwise.
   */
  private void formRegions() {
    for (int i = n - 1; i >= 0; i--) {
      if (!fusible[i]) continue;
      region[i] = joinUsers(i);
      if (region[i] < 0) {
        int earliest = Integer.MAX_VALUE;
        for (int u : users.get(i)) earliest = Math.min(earliest, u);
        region[i] = sets.add(new Extent(i, earliest));
      }
    }
    for (int i = 0; i < n; i++) if (region[i] >= 0) region[i] = sets.find(region[i]);
  }

  /**
   * The region node i joins, −1 for none: it joins when it is no result and every user is in a region of its shape;
   * where those are several regions, they merge only when each outside reader of the merged region runs after it.
   */
  private int joinUsers(int i) {
    List<Integer> us = users.get(i);
    if (isOutput[i] || us.isEmpty()) return -1;
    for (int u : us) {
      if (!fusible[u] || region[u] < 0 || !nodes.get(u).shape().equals(nodes.get(i).shape())) return -1;
    }
    List<Integer> roots = new ArrayList<>();
    for (int u : us) {
      int r = sets.find(region[u]);
      if (!roots.contains(r)) roots.add(r);
    }
    Extent merged = sets.extent(roots.get(0));
    for (int r : roots) merged = merged.merge(sets.extent(r));
    if (roots.size() > 1 && !merged.precedesOutsideUsers()) return -1;
    return sets.union(roots, merged);
  }

  /** Broadcasts whose every user is fused are read periodically and never materialized. */
  private void markVirtualBroadcasts() {
    for (int i = 0; i < n; i++) {
      if (isOutput[i] || period(nodes.get(i)) < 0 || users.get(i).isEmpty()) continue;
      boolean all = true;
      for (int u : users.get(i)) all &= region[u] >= 0;
      virtual[i] = all;
    }
  }

  /**
   * Merges sibling regions and sets each region's position. Regions are taken in the order they run; a region B
   * joins an earlier region A of the same shape when B reads one of A's members or an array that A reads too, and
   * everything else B reads exists by A's position ({@link #canJoin}). A then computes B's members as well, in the
   * same pass over the elements: the batch-norm backward's products of the upstream gradient with γ and with x̂, and
   * their sums, are one pass instead of four, and a ReLU's mask and select join the pass before them. B's results
   * exist earlier than before, which every reader allows; the arrays both read are read once.
   */
  private void mergeSiblings() {
    int ids = sets.size();
    position = new int[ids];
    Arrays.fill(position, -1);
    for (int i = 0; i < n; i++) if (region[i] >= 0) position[region[i]] = Math.max(position[region[i]], i);
    List<List<Integer>> members = membersByRegion();
    Integer[] order = new Integer[ids];
    for (int i = 0; i < ids; i++) order[i] = i;
    Arrays.sort(order, (x, y) -> Integer.compare(position[x], position[y]));
    List<Integer> done = new ArrayList<>();
    for (int b : order) {
      if (members.get(b).isEmpty()) continue;
      int into = -1;
      for (int a : done) {
        if (nodes.get(position[a]).shape().equals(nodes.get(position[b]).shape())
            && canJoin(members.get(a), members.get(b), a, b)) {
          into = a;
          break;
        }
      }
      if (into < 0) {
        done.add(b);
        continue;
      }
      for (int m : members.get(b)) region[m] = into;
      members.get(into).addAll(members.get(b));
      members.get(into).sort(null);
      members.get(b).clear();
      position[b] = -1;
    }
  }

  /** Whether region b may run within region a, at a's position, and shares a read with it ({@link #mergeSiblings}). */
  private boolean canJoin(List<Integer> aMembers, List<Integer> bMembers, int a, int b) {
    int at = position[a];
    boolean shares = false;
    for (int m : bMembers) {
      for (Value in : nodes.get(m).inputs()) {
        int s = g.indexOf(in);
        if (region[s] == a) {
          shares = true;
          continue;
        }
        if (region[s] == b) continue;
        if (readyAt(virtual[s] ? g.indexOf(nodes.get(s).input(0)) : s) >= at) return false;
        if (!shares && !virtual[s] && in.rank() > 0) {
          for (int am : aMembers) shares |= nodes.get(am).inputs().contains(in);
        }
      }
    }
    return shares;
  }

  /** The step by which node s's value exists: its region's position, its own, or −1 for a hoisted constant. */
  private int readyAt(int s) {
    return region[s] >= 0 ? position[region[s]] : Fusion.hoisted(nodes.get(s)) ? -1 : s;
  }

  /**
   * Sum reductions over leading dimensions whose operand is a region member become sinks of that region (the
   * batch-norm statistics and the gradients' sums), when the region runs before them: the sum is taken as the region
   * runs. An operand that other nodes read too is still written out, but not read back for the sum.
   */
  private void attachSinks() {
    for (int i = 0; i < n; i++) {
      Value v = nodes.get(i);
      if (v.inputs().size() != 1) continue;
      int src = g.indexOf(v.input(0));
      if (region[src] < 0 || isOutput[src] || sinkFor[src] >= 0 || sinkPeriod(v) < 0) continue;
      if (position[region[src]] > i) continue;
      sinkFor[src] = i;
      sunk[i] = true;
    }
  }

  /** Builds the regions, in region id order, and the plan that indexes them. */
  private Plan buildPlan() {
    List<Region> regions = new ArrayList<>();
    Region[] at = new Region[n];
    int[] regionOf = new int[n];
    Arrays.fill(regionOf, -1);
    for (List<Integer> ms : membersByRegion()) {
      if (ms.isEmpty()) continue;
      Region r = buildRegion(ms.stream().mapToInt(Integer::intValue).toArray());
      int id = regions.size();
      regions.add(r);
      at[r.position()] = r;
      for (int s : r.members()) regionOf[s] = id;
    }
    return new Plan(regionOf, virtual, regions, at, sunk);
  }

  /** The region of these members (graph order), with its loop compiled where {@link Fusion#LOOPS} asks for one. */
  private Region buildRegion(int[] m) {
    int pos = position[region[m[0]]];
    boolean[] root = new boolean[m.length];
    Source[][] src = new Source[m.length][];
    int[] sink = new int[m.length];
    for (int k = 0; k < m.length; k++) {
      int slot = m[k];
      sink[k] = sinkFor[slot];
      for (int u : users.get(slot)) root[k] |= region[u] != region[slot] && u != sink[k];
      root[k] |= isOutput[slot];
      List<Value> ins = nodes.get(slot).inputs();
      src[k] = new Source[ins.size()];
      for (int q = 0; q < ins.size(); q++) src[k][q] = source(m, slot, ins.get(q));
    }
    Region r = new Region(pos, m, root, src, sink, null);
    return Fusion.LOOPS ? new Region(pos, m, root, src, sink, RegionLoop.compile(r, nodes)) : r;
  }

  /** How member {@code slot} of the region of members {@code m} reads its input {@code in}. */
  private Source source(int[] m, int slot, Value in) {
    int s = g.indexOf(in);
    int mi = Arrays.binarySearch(m, s);
    if (region[s] == region[slot] && mi >= 0) return Source.inRegion(mi);
    if (virtual[s]) {
      Value b = nodes.get(s);
      return Source.periodic(g.indexOf(b.input(0)), period(b));
    }
    return in.rank() == 0 ? Source.periodic(s, 1) : Source.direct(s);
  }

  /** The nodes of each region id, in graph order (empty for ids that are not a region's root). */
  private List<List<Integer>> membersByRegion() {
    List<List<Integer>> members = new ArrayList<>();
    for (int i = 0; i < sets.size(); i++) members.add(new ArrayList<>());
    for (int i = 0; i < n; i++) if (region[i] >= 0) members.get(region[i]).add(i);
    return members;
  }

  /** Elementwise, big enough, and every operand of the result's shape or a scalar. */
  private static boolean fusible(Value v) {
    if (!(v.op() instanceof Elementwise) || v.shape().longSize() < Fusion.MIN_SIZE) return false;
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

  /**
   * For a floating-point sum over a leading block of dimensions (or all of them), the number of kept elements it
   * sums into, which repeat with that period in the operand; otherwise −1.
   */
  static int sinkPeriod(Value v) {
    if (!(v.op() instanceof Reduce red) || red.kind() != Reductions.Kind.SUM || !v.dtype().isFloating()) return -1;
    int[] d = red.dims().clone();
    Arrays.sort(d);
    for (int i = 0; i < d.length; i++) if (d[i] != i) return -1;
    return v.shape().size();
  }
}
