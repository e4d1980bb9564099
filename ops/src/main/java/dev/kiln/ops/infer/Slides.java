package dev.kiln.ops.infer;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A plan's run when its window slides by one row: the input is the last window without its first row and with a new
 * last row (a stream of one date's rows). A node indexed by the window's rows (a convolution of stride 1, a Dense on
 * every step, an elementwise step of those) keeps the rows whose inputs are the same as one row later last time:
 * they move up one row, and only the others are computed. Which rows those are follows from the taps alone, so it is
 * worked out here once: for the seed, 5 of 20 rows of the first convolutions and 9 of the second. Any other node
 * (after a flatten or a pooling) runs whole. The rows kept are bit for bit what a whole run computes, as every
 * element is computed the same way whatever rows are asked for with it.
 */
final class Slides {
  private Slides() {}

  /** The steps of a slide, or null when the model's input is not a window. */
  static List<Runnable> of(RowPlanner p) {
    if (p.input.shape.length != 2) return null;
    Map<PlanNode, boolean[]> changed = new IdentityHashMap<>();
    boolean[] first = new boolean[p.input.shape[0]];
    first[first.length - 1] = true;
    changed.put(p.input, first);
    List<Runnable> steps = new ArrayList<>();
    for (PlanNode n : p.nodes) {
      if (n == p.input) continue;
      boolean[] c = changedRows(n, changed);
      if (c == null) {
        steps.add(RowSteps.of(n));
        continue;
      }
      changed.put(n, c);
      steps.add(shift(n, c.length));
      for (int lo = 0; lo < c.length; ) {
        if (!c[lo]) {
          lo++;
          continue;
        }
        int hi = lo;
        while (hi < c.length && c[hi]) hi++;
        steps.add(RowSteps.of(n, lo, hi));
        lo = hi;
      }
    }
    return steps;
  }

  /** The rows of {@code n} a slide changes, or null when {@code n} is not indexed by the window's rows. */
  private static boolean[] changedRows(PlanNode n, Map<PlanNode, boolean[]> changed) {
    for (PlanNode i : n.in) if (!changed.containsKey(i)) return null;
    int rows = RowSteps.rows(n);
    if (n.shape.length != 2 || rows != n.shape[0]) return null;
    boolean[] c = new boolean[rows];
    c[rows - 1] = true; // the row after it, last time, did not exist
    switch (n.op) {
      case RowOp.Linear l -> {
        if (l.stride() != 1) return null;
        boolean[] in = changed.get(n.in.get(0));
        for (int t = 0; t < rows; t++) {
          for (int j = 0; j < l.taps(); j++) {
            // Input row q now was row q + 1 last time: the same data when both are rows (and q is unchanged) or
            // both are padding.
            int q = t + j * l.dilation() - l.padBefore();
            boolean now = q >= 0 && q < in.length, before = q + 1 >= 0 && q + 1 < in.length;
            if (now != before || (now && in[q])) c[t] = true;
          }
        }
      }
      case RowOp.Affine _, RowOp.Activation _, RowOp.Identity _, RowOp.Merge _ -> {
        for (PlanNode i : n.in) if (!union(c, changed.get(i))) return null;
      }
      default -> {
        return null;
      }
    }
    return c;
  }

  private static boolean union(boolean[] into, boolean[] from) {
    if (from.length != into.length) return false;
    for (int t = 0; t < into.length; t++) into[t] |= from[t];
    return true;
  }

  /** Moves the node's rows up by one (the first row drops out). */
  private static Runnable shift(PlanNode n, int rows) {
    int row = n.size / rows;
    float[] a = n.array;
    int off = n.offset;
    return () -> System.arraycopy(a, off + row, a, off, (rows - 1) * row);
  }
}
