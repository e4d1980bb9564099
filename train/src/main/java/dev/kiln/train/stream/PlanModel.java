package dev.kiln.train.stream;

import dev.kiln.core.Tensor;
import dev.kiln.ops.Model;
import dev.kiln.ops.infer.RowOp;
import dev.kiln.ops.infer.RowPlan;
import java.util.Map;

/** The model as a {@link RowPlan}: folded, packed, run on the calling thread without allocating. */
final class PlanModel implements SampleModel {
  private final RowPlan plan;
  private final float[] probabilities;

  PlanModel(Model model, Map<String, Tensor> variables) {
    this.plan = RowPlan.compile(model, variables);
    this.probabilities = new float[plan.output().size()];
  }

  @Override
  public float[] input() {
    return plan.input();
  }

  @Override
  public int inputOffset() {
    return plan.inputOffset();
  }

  @Override
  public float[] run() {
    RowOp.Slice out = plan.run();
    System.arraycopy(out.array(), out.offset(), probabilities, 0, probabilities.length);
    return probabilities;
  }

  @Override
  public float[] slide() {
    RowOp.Slice out = plan.slide();
    System.arraycopy(out.array(), out.offset(), probabilities, 0, probabilities.length);
    return probabilities;
  }

  @Override
  public int units() {
    return probabilities.length;
  }

  RowPlan plan() {
    return plan;
  }

  @Override
  public void close() {
    plan.close();
  }
}
