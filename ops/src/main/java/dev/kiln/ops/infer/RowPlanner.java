package dev.kiln.ops.infer;

import dev.kiln.ops.Model;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Turns a model into a plan's nodes and rewrites them for one row: identities dropped, an affine layer after a
 * linear one folded into its outputs (batch normalization after a Dense or Conv1D), an affine layer whose every
 * consumer is linear folded into their inputs (Normalization or batch normalization before them; a padded
 * convolution gets one bias row per output step, since its zero padding sees no shift), and an activation fused into
 * the linear or merge layer it follows. Folds are computed in float64 and stored as float32.
 */
final class RowPlanner {
  final List<PlanNode> nodes = new ArrayList<>();
  final PlanNode input;
  PlanNode output;

  RowPlanner(Model model, Function<String, float[]> variables, List<AutoCloseable> owned) {
    Map<Model.Node, PlanNode> of = new IdentityHashMap<>();
    for (Model.Node n : model.nodes()) {
      List<int[]> shapes = n.inbound().stream().map(Model.Node::shape).toList();
      RowOp op = n.inbound().isEmpty() ? new RowOp.Identity() : n.layer().rowOp(variables, shapes);
      if (op == null) {
        GraphKernel g = new GraphKernel(n.layer(), shapes, variables);
        owned.add(g);
        op = g;
      }
      PlanNode p = new PlanNode(n.layer().name(), op, n.shape());
      for (Model.Node i : n.inbound()) {
        PlanNode q = of.get(i);
        p.in.add(q);
        if (!q.out.contains(p)) q.out.add(p);
      }
      of.put(n, p);
      nodes.add(p);
    }
    input = nodes.get(0);
    output = of.get(model.output());
  }

  /** Runs every rewrite, in the order that lets each find what the one before exposed. */
  RowPlanner rewrite() {
    dropIdentities();
    foldIntoOutputs();
    foldIntoInputs();
    fuseActivations();
    return this;
  }

  private void dropIdentities() {
    for (PlanNode p : List.copyOf(nodes)) {
      if (p == input || p == output || !(p.op instanceof RowOp.Identity)) continue;
      p.replaceBy(p.in.get(0));
      nodes.remove(p);
    }
  }

  /** linear → affine, the affine the linear's only consumer: the affine scales the linear's columns. */
  private void foldIntoOutputs() {
    for (PlanNode p : List.copyOf(nodes)) {
      if (!(p.op instanceof RowOp.Linear l) || !l.activation().equals("linear") || p == output || p.out.size() != 1) {
        continue;
      }
      PlanNode a = p.out.get(0);
      if (!(a.op instanceof RowOp.Affine f) || a.in.size() != 1 || f.scale().length != l.out()) continue;
      float[] w = l.kernel().clone(), b = new float[l.out()];
      for (int i = 0; i < w.length; i++) w[i] = (float) (w[i] * f.scale()[i % l.out()]);
      for (int n = 0; n < b.length; n++) b[n] = (float) (l.bias()[n] * f.scale()[n] + f.shift()[n]);
      p.op = new RowOp.Linear(w, b, l.taps(), l.in(), l.out(), l.stride(), l.dilation(), l.padBefore(), l.padAfter(),
          "linear");
      p.label.append('+').append(a.label);
      if (a == output) output = p;
      a.replaceBy(p);
      nodes.remove(a);
    }
  }

  /** affine → linear consumers only: each consumer reads the affine's input with scaled rows and a shifted bias. */
  private void foldIntoInputs() {
    for (PlanNode a : List.copyOf(nodes)) {
      if (!(a.op instanceof RowOp.Affine f) || a == output || a.out.isEmpty()) continue;
      if (!a.out.stream().allMatch(c -> c.op instanceof RowOp.Linear && c.in.size() == 1)) continue;
      for (PlanNode c : a.out) {
        foldInput(c, f, a.size);
        c.label.insert(0, a.label + ">");
      }
      a.replaceBy(a.in.get(0));
      nodes.remove(a);
    }
  }

  private static void foldInput(PlanNode c, RowOp.Affine f, int inputSize) {
    RowOp.Linear l = (RowOp.Linear) c.op;
    int taps = l.taps(), in = l.in(), out = l.out(), channels = f.scale().length;
    float[] w = l.kernel().clone();
    double[][] shift = new double[taps][out];
    for (int j = 0; j < taps; j++) {
      for (int i = 0; i < in; i++) {
        int row = (j * in + i) * out;
        double s = f.scale()[i % channels], t = f.shift()[i % channels];
        for (int n = 0; n < out; n++) {
          shift[j][n] += t * w[row + n];
          w[row + n] = (float) (w[row + n] * s);
        }
      }
    }
    boolean padded = l.padBefore() + l.padAfter() > 0;
    int rows = padded ? c.size / out : 1, steps = inputSize / in;
    float[] table = new float[rows * out];
    for (int m = 0; m < rows; m++) {
      double[] b = new double[out];
      for (int n = 0; n < out; n++) b[n] = l.bias()[n];
      for (int j = 0; j < taps; j++) {
        int pos = m * l.stride() + j * l.dilation() - l.padBefore();
        if (padded && (pos < 0 || pos >= steps)) continue;
        for (int n = 0; n < out; n++) b[n] += shift[j][n];
      }
      for (int n = 0; n < out; n++) table[m * out + n] = (float) b[n];
    }
    c.op = new RowOp.Linear(w, padded ? l.bias() : table, taps, in, out, l.stride(), l.dilation(), l.padBefore(),
        l.padAfter(), l.activation());
    if (padded) {
      c.biasTable = table;
      c.biasRows = rows;
    }
  }

  /** activation after a linear or merge node it alone consumes: applied in that node's step. */
  private void fuseActivations() {
    for (PlanNode x : List.copyOf(nodes)) {
      if (!(x.op instanceof RowOp.Activation act)) continue;
      PlanNode p = x.in.get(0);
      if (p == output || p == input || p.out.size() != 1) continue;
      RowOp fused = switch (p.op) {
        case RowOp.Linear l when l.activation().equals("linear") -> new RowOp.Linear(l.kernel(), l.bias(), l.taps(),
            l.in(), l.out(), l.stride(), l.dilation(), l.padBefore(), l.padAfter(), act.name());
        case RowOp.Merge m when m.activation().equals("linear") -> new RowOp.Merge(m.product(), act.name());
        default -> null;
      };
      if (fused == null) continue;
      p.op = fused;
      p.label.append('+').append(x.label);
      if (x == output) output = p;
      x.replaceBy(p);
      nodes.remove(x);
    }
  }
}
