package dev.kiln.ops.infer;

import java.util.ArrayList;
import java.util.List;

/**
 * One node of a plan while the planner rewrites it: its form, its inputs and consumers, the layers folded into it
 * (for {@link RowPlan#describe}), and, once placed, its floats: {@code size} of them at {@code offset} in
 * {@code array}, with zero rows around them when a padded convolution reads them in place.
 */
final class PlanNode {
  final String name;
  RowOp op;
  final List<PlanNode> in = new ArrayList<>();
  final List<PlanNode> out = new ArrayList<>();
  final int[] shape;
  final int size;
  final StringBuilder label;
  /** For a Linear: the bias after folding, one row or one per output step, and how many rows. */
  float[] biasTable;
  int biasRows = 1;
  /** Zero floats needed before and after the node's data by the convolutions that read it. */
  int padBefore, padAfter;
  float[] array;
  int offset;
  /** A linear node's weights, packed once for all its steps. */
  dev.kiln.core.cpu.RowGemm.Packed packed;

  PlanNode(String name, RowOp op, int[] shape) {
    this.name = name;
    this.op = op;
    this.shape = shape.clone();
    int n = 1;
    for (int d : shape) n *= d;
    this.size = n;
    this.label = new StringBuilder(name);
  }

  RowOp.Slice slice() {
    return new RowOp.Slice(array, offset, shape);
  }

  /** Makes {@code by} take this node's place as the input of every consumer. */
  void replaceBy(PlanNode by) {
    for (PlanNode c : out) {
      for (int i = 0; i < c.in.size(); i++) if (c.in.get(i) == this) c.in.set(i, by);
      if (!by.out.contains(c)) by.out.add(c);
    }
    by.out.remove(this);
    out.clear();
  }

  @Override
  public String toString() {
    return label.toString();
  }
}
