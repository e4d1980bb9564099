package dev.kiln.ops.metrics;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Ops;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Keras's Recall, Precision and AUC, and the mean loss, accumulated inside the compiled step as counts and read
 * once per epoch. A prediction is positive iff p > 0.5 (strict); labels are cast to bool, so 0.5 labels count as
 * positives. AUC uses Keras's 200 thresholds (−1e-7, i/199, 1 + 1e-7) and the interpolated ROC sum.
 */
public final class Metrics {
  private Metrics() {}

  public static final int THRESHOLDS = 200;

  /** The accumulator variables and their shapes, in state order. */
  public static Map<String, Shape> accumulators() {
    Map<String, Shape> m = new LinkedHashMap<>();
    m.put("metrics/true_positives", Shape.scalar());
    m.put("metrics/false_positives", Shape.scalar());
    m.put("metrics/positives", Shape.scalar());
    m.put("metrics/negatives", Shape.scalar());
    m.put("metrics/auc_true_positives", Shape.of(THRESHOLDS));
    m.put("metrics/auc_false_positives", Shape.of(THRESHOLDS));
    m.put("metrics/loss_sum", Shape.scalar());
    m.put("metrics/count", Shape.scalar());
    return m;
  }

  /** Keras's AUC thresholds as float32. */
  public static float[] thresholds() {
    float[] t = new float[THRESHOLDS];
    t[0] = -1e-7f;
    for (int i = 1; i < THRESHOLDS - 1; i++) t[i] = (float) (i / (double) (THRESHOLDS - 1));
    t[THRESHOLDS - 1] = 1 + 1e-7f;
    return t;
  }

  /**
   * This batch's contributions (before any cross-replica sum): counts from probabilities p [B,1], labels y [B,1],
   * per-sample losses [B,1] and a 0/1 sample weight [B,1] (padding of a partial batch has weight 0).
   */
  public static Map<String, Value> batchCounts(Value p, Value y, Value losses, Value weight) {
    Value zero = Ops.constantLike(y, 0.0);
    Value pos = Ops.convert(Ops.compare(y, Ops.Cmp.GT, zero), DType.F32).mul(weight);
    Value neg = weight.sub(pos);
    Value predPos = Ops.convert(Ops.compare(p, Ops.Cmp.GT, Ops.constantLike(p, 0.5)), DType.F32);
    int b = p.dim(0);
    Value thr = p.tracer().constant(Tensor.wrap(DType.F32, Shape.of(1, THRESHOLDS), thresholds()));
    Value above = Ops.convert(Ops.compare(Ops.broadcastTo(p, b, THRESHOLDS), Ops.Cmp.GT,
        Ops.broadcastTo(thr, b, THRESHOLDS)), DType.F32);
    Map<String, Value> m = new LinkedHashMap<>();
    m.put("metrics/true_positives", Ops.sum(predPos.mul(pos)));
    m.put("metrics/false_positives", Ops.sum(predPos.mul(neg)));
    m.put("metrics/positives", Ops.sum(pos));
    m.put("metrics/negatives", Ops.sum(neg));
    m.put("metrics/auc_true_positives", Ops.sum(above.mul(pos), 0));
    m.put("metrics/auc_false_positives", Ops.sum(above.mul(neg), 0));
    m.put("metrics/loss_sum", Ops.sum(losses.mul(weight)));
    m.put("metrics/count", Ops.sum(weight));
    return m;
  }

  /** Epoch metrics from accumulated counts. */
  public record Values(double loss, double recall, double precision, double auc) {
    /** Keras's progress format: {@code loss: 0.6931 - recall: ...}, each name after {@code prefix}. */
    public String format(String prefix) {
      return String.format("%sloss: %.4f - %srecall: %.4f - %sprecision: %.4f - %sauc: %.4f", prefix, loss, prefix,
          recall, prefix, precision, prefix, auc);
    }
  }

  public static Values values(Map<String, Tensor> acc) {
    double tp = acc.get("metrics/true_positives").item();
    double fp = acc.get("metrics/false_positives").item();
    double p = acc.get("metrics/positives").item();
    double n = acc.get("metrics/negatives").item();
    double count = acc.get("metrics/count").item();
    double recall = p > 0 ? tp / p : 0;
    double precision = tp + fp > 0 ? tp / (tp + fp) : 0;
    double[] atp = acc.get("metrics/auc_true_positives").toDoubleArray();
    double[] afp = acc.get("metrics/auc_false_positives").toDoubleArray();
    return new Values(count > 0 ? acc.get("metrics/loss_sum").item() / count : Double.NaN, recall, precision,
        auc(atp, afp, p, n));
  }

  /** Σ_{i=0}^{198} (FPR_i − FPR_{i+1}) · (TPR_i + TPR_{i+1}) / 2 over the threshold counts. */
  public static double auc(double[] tp, double[] fp, double positives, double negatives) {
    double s = 0;
    for (int i = 0; i + 1 < tp.length; i++) {
      double tpr0 = positives > 0 ? tp[i] / positives : 0, tpr1 = positives > 0 ? tp[i + 1] / positives : 0;
      double fpr0 = negatives > 0 ? fp[i] / negatives : 0, fpr1 = negatives > 0 ? fp[i + 1] / negatives : 0;
      s += (fpr0 - fpr1) * (tpr0 + tpr1) / 2;
    }
    return s;
  }

  /**
   * Per-sample binary cross-entropy from the logit z: max(z, 0) − z·y + log1p(exp(−|z|)), with both kinks taken
   * on the same side (z ≥ 0) as TensorFlow does, so the gradient is σ(z) − y everywhere, z = 0 included.
   */
  public static Value bceFromLogits(Value z, Value y) {
    Value zero = Ops.constantLike(z, 0.0);
    Value nonNegative = Ops.compare(z, Ops.Cmp.GE, zero);
    Value relu = Ops.select(nonNegative, z, zero);
    Value negAbs = Ops.select(nonNegative, Ops.neg(z), z);
    return relu.sub(z.mul(y)).add(Ops.log1p(Ops.exp(negAbs)));
  }
}
