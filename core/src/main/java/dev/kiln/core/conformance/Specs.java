package dev.kiln.core.conformance;

import static dev.kiln.core.conformance.Spec.Input.away;
import static dev.kiln.core.conformance.Spec.Input.nonFinite;
import static dev.kiln.core.conformance.Spec.Input.pred;
import static dev.kiln.core.conformance.Spec.Input.s32;
import static dev.kiln.core.conformance.Spec.Input.u32;
import static dev.kiln.core.conformance.Spec.Input.uniform;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.TensorType;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.AllReduce;
import dev.kiln.core.op.Binary;
import dev.kiln.core.op.BroadcastInDim;
import dev.kiln.core.op.Compare;
import dev.kiln.core.op.Concatenate;
import dev.kiln.core.op.Constant;
import dev.kiln.core.op.Convert;
import dev.kiln.core.op.Convolution;
import dev.kiln.core.op.DotGeneral;
import dev.kiln.core.op.Iota;
import dev.kiln.core.op.Ops;
import dev.kiln.core.op.Pad;
import dev.kiln.core.op.Parameter;
import dev.kiln.core.op.Reduce;
import dev.kiln.core.op.ReplicaId;
import dev.kiln.core.op.Reshape;
import dev.kiln.core.op.Reverse;
import dev.kiln.core.op.Select;
import dev.kiln.core.op.Slice;
import dev.kiln.core.op.StopGradient;
import dev.kiln.core.op.Transpose;
import dev.kiln.core.op.Unary;
import dev.kiln.core.random.Threefry;
import java.util.ArrayList;
import java.util.List;

/** The conformance specs: every primitive, its main variants, and the RNG built from integer primitives. */
public final class Specs {
  private Specs() {}

  public static List<Spec> all() {
    List<Spec> cs = new ArrayList<>();
    elementwiseSpecs(cs);
    cs.add(Spec.of("convert between float widths", Convert.class,
        v -> Ops.convert(Ops.convert(v.get(0), v.get(0).dtype() == DType.F64 ? DType.F32 : DType.F64),
            v.get(0).dtype()), uniform(-1, 1, 3, 3)).withFiniteDifference(1e-2, 1e-3));
    cs.add(Spec.forwardOnly("convert float -> s32 -> float", Convert.class,
        v -> Ops.convert(Ops.convert(v.get(0), DType.S32), v.get(0).dtype()), uniform(-50, 50, 13)));
    cs.add(Spec.forwardOnly("iota", Iota.class,
        v -> Ops.convert(Ops.iota(v.get(0).tracer(), TensorType.of(DType.S32, 3, 4), 1), v.get(0).dtype()).add(v.get(0)),
        uniform(-1, 1, 3, 4)));
    cs.add(Spec.forwardOnly("constant", Constant.class, v -> Ops.convert(v.get(0).tracer().constant(
        dev.kiln.core.Tensor.of(new float[] {1.5f, -2f, 0.1f}, 3)), v.get(0).dtype()).add(v.get(0)),
        uniform(-1, 1, 3)));
    cs.add(Spec.forwardOnly("parameter passthrough", Parameter.class, v -> v.get(0), uniform(-1, 1, 2, 2)));
    cs.add(Spec.of("broadcast_in_dim [5,2]->[2,3,5] dims [2,0]", BroadcastInDim.class,
        v -> Ops.broadcastInDim(v.get(0), new int[] {2, 3, 5}, new int[] {2, 0}), uniform(-1, 1, 5, 2)));
    cs.add(Spec.of("broadcast_in_dim [3,1]->[2,3,4] dims [1,2]", BroadcastInDim.class,
        v -> Ops.broadcastInDim(v.get(0), new int[] {2, 3, 4}, new int[] {1, 2}), uniform(-1, 1, 3, 1)));
    cs.add(Spec.of("reshape", Reshape.class, v -> Ops.reshape(v.get(0), 12, 5), uniform(-1, 1, 3, 4, 5)));
    cs.add(Spec.of("transpose", Transpose.class, v -> Ops.transpose(v.get(0), 2, 0, 1), uniform(-1, 1, 2, 3, 4)));
    cs.add(Spec.of("gather row windows (clamped starts)", dev.kiln.core.op.Gather.class,
        v -> Ops.gatherRows(v.get(0), v.get(1), 3), uniform(-1, 1, 7, 3), s32(-2, 8, 5)));
    cs.add(Spec.of("gather single rows of a vector", dev.kiln.core.op.Gather.class,
        v -> Ops.gatherRows(v.get(0), v.get(1), 1), uniform(-1, 1, 9), s32(0, 8, 6)));
    cs.add(Spec.of("slice strided", Slice.class,
        v -> Ops.slice(v.get(0), new int[] {1, 2}, new int[] {6, 9}, new int[] {2, 3}), uniform(-1, 1, 7, 9)));
    cs.add(Spec.of("pad interior and negative edge", Pad.class,
        v -> Ops.pad(v.get(0), v.get(1), new int[] {1, -1}, new int[] {2, 1}, new int[] {1, 0}),
        uniform(-1, 1, 3, 4), uniform(-1, 1)));
    cs.add(Spec.of("concatenate", Concatenate.class, v -> Ops.concatenate(1, v),
        uniform(-1, 1, 2, 3), uniform(-1, 1, 2, 1), uniform(-1, 1, 2, 4)));
    cs.add(Spec.of("reverse", Reverse.class, v -> Ops.reverse(v.get(0), 0, 2), uniform(-1, 1, 3, 4, 2)));
    cs.add(Spec.of("reduce sum [0,2]", Reduce.class, v -> Ops.sum(v.get(0), 0, 2), uniform(-1, 1, 3, 4, 5)));
    cs.add(Spec.of("reduce max [1]", Reduce.class, v -> Ops.reduceMax(v.get(0), 1), uniform(-1, 1, 4, 6)));
    cs.add(Spec.of("batch_normalize over [0,1] (the seed's layer)", dev.kiln.core.op.BatchNormalize.class,
        v -> Ops.batchNormalize(v.get(0), 1e-3, 0, 1).mul(v.get(1)), uniform(-2, 2, 4, 5, 3), uniform(-1, 1, 4, 5, 3)));
    cs.add(Spec.of("batch_normalize over [1,2] (groups)", dev.kiln.core.op.BatchNormalize.class,
        v -> Ops.batchNormalize(v.get(0), 0.5, 1, 2).mul(v.get(1)), uniform(-2, 2, 2, 3, 4, 2), uniform(-1, 1, 2, 3, 4, 2)));
    cs.add(Spec.of("all_reduce (one replica)", AllReduce.class, v -> Ops.allReduceSum(v.get(0)), uniform(-1, 1, 3)));
    cs.add(Spec.forwardOnly("replica_id", ReplicaId.class,
        v -> Ops.convert(Ops.replicaId(v.get(0).tracer()), v.get(0).dtype()).add(v.get(0)), uniform(-1, 1, 2)));
    cs.add(Spec.of("stop_gradient", StopGradient.class,
        v -> v.get(0).mul(Ops.stopGradient(v.get(0))), uniform(-1, 1, 5)).withFiniteDifference(0, 0));
    contractionSpecs(cs);
    nonFiniteSpecs(cs);
    cs.add(Spec.forwardOnly("threefry bits", dev.kiln.core.random.RandomBits.class,
        v -> Threefry.bits(Threefry.key(v.get(0).tracer(), 42), v.get(0), 33), u32()));
    cs.add(Spec.forwardOnly("normal draws", dev.kiln.core.random.RandomNormal.class,
        v -> Threefry.normal(Threefry.key(v.get(0).tracer(), 7), v.get(0), DType.F32, 4, 8), u32()));
    return cs;
  }

  /** Unary and binary kinds (float and U32), broadcasting, comparisons and select. */
  private static void elementwiseSpecs(List<Spec> cs) {
    for (Unary.Kind k : Unary.Kind.values()) {
      if (k == Unary.Kind.NOT) continue;
      Spec.Input x = switch (k) {
        case LOG, SQRT, RSQRT -> uniform(0.5, 3, 3, 5);
        case LOG1P -> uniform(-0.5, 2, 3, 5);
        case ABS, SIGN -> away(0.1, 2, 3, 5);
        default -> uniform(-2, 2, 3, 5);
      };
      cs.add(Spec.of("unary " + k.name().toLowerCase(), Unary.class, v -> apply(new Unary(k), v), x));
    }
    cs.add(Spec.forwardOnly("unary not (u32, pred)", Unary.class,
        v -> Ops.convert(Ops.not(Ops.compare(Ops.not(v.get(0)), Ops.Cmp.EQ, v.get(0))), DType.S32), u32(7)));
    for (Binary.Kind k : List.of(Binary.Kind.ADD, Binary.Kind.SUBTRACT, Binary.Kind.MULTIPLY, Binary.Kind.DIVIDE,
        Binary.Kind.MAXIMUM, Binary.Kind.MINIMUM, Binary.Kind.POWER)) {
      Spec.Input a = k == Binary.Kind.POWER ? uniform(0.5, 2, 4, 3) : uniform(-2, 2, 4, 3);
      Spec.Input b = k == Binary.Kind.DIVIDE ? away(0.5, 2, 4, 3) : uniform(-2, 2, 4, 3);
      cs.add(Spec.of("binary " + k.name().toLowerCase(), Binary.class, v -> apply(new Binary(k), v), a, b));
    }
    for (Binary.Kind k : List.of(Binary.Kind.AND, Binary.Kind.OR, Binary.Kind.XOR, Binary.Kind.SHIFT_LEFT,
        Binary.Kind.SHIFT_RIGHT_LOGICAL, Binary.Kind.ADD, Binary.Kind.MULTIPLY, Binary.Kind.MAXIMUM)) {
      cs.add(Spec.forwardOnly("u32 " + k.name().toLowerCase(), Binary.class, v -> {
        Value b = k == Binary.Kind.SHIFT_LEFT || k == Binary.Kind.SHIFT_RIGHT_LOGICAL
            ? Ops.and(v.get(1), v.get(1).tracer().constant(dev.kiln.core.Tensor.wrap(DType.U32, Shape.scalar(),
                new int[] {31}))) : v.get(1);
        if (b != v.get(1)) b = Ops.broadcastTo(b, v.get(0).shape().dims());
        return apply(new Binary(k), List.of(v.get(0), b));
      }, u32(9), u32(9)));
    }
    cs.add(Spec.of("broadcasting add [3,1] + [4]", Binary.class, v -> v.get(0).add(v.get(1)),
        uniform(-1, 1, 3, 1), uniform(-1, 1, 4)));
    for (Ops.Cmp c : Ops.Cmp.values()) {
      cs.add(Spec.forwardOnly("compare " + c.name().toLowerCase(), Compare.class,
          v -> Ops.convert(Ops.compare(v.get(0), c, Ops.select(v.get(2), v.get(0), v.get(1))), DType.S32),
          uniform(-1, 1, 11), uniform(-1, 1, 11), pred(11)));
    }
    cs.add(Spec.forwardOnly("compare s32 lt", Compare.class,
        v -> Ops.convert(Ops.compare(v.get(0), Ops.Cmp.LT, v.get(1)), DType.S32), s32(-5, 5, 9), s32(-5, 5, 9)));
    cs.add(Spec.of("select", Select.class, v -> Ops.select(v.get(0), v.get(1), v.get(2)),
        pred(3, 4), uniform(-1, 1, 3, 4), uniform(-1, 1, 3, 4)));
  }

  /** Convolutions (the seed's and XLA's general forms) and dot_general (batched, permuted, operands transposed). */
  private static void contractionSpecs(List<Spec> cs) {
    Convolution.Dims nwc = Convolution.Dims.channelsLast(1);
    cs.add(Spec.of("conv1d same (seed layer)", Convolution.class,
        v -> Ops.convolution(v.get(0), v.get(1), Convolution.of(new int[] {1}, new int[] {2}, new int[] {2}, nwc)),
        uniform(-1, 1, 2, 9, 3), uniform(-1, 1, 5, 3, 4)));
    cs.add(Spec.of("conv1d stride 2", Convolution.class,
        v -> Ops.convolution(v.get(0), v.get(1), Convolution.of(new int[] {2}, new int[] {1}, new int[] {0}, nwc)),
        uniform(-1, 1, 2, 10, 3), uniform(-1, 1, 3, 3, 2)));
    cs.add(Spec.of("conv2d strides, padding, lhs and rhs dilation", Convolution.class,
        v -> Ops.convolution(v.get(0), v.get(1), new Convolution(new int[] {2, 1}, new int[] {1, 0},
            new int[] {0, 2}, new int[] {1, 2}, new int[] {2, 1}, Convolution.Dims.channelsLast(2), 1)),
        uniform(-1, 1, 1, 6, 7, 2), uniform(-1, 1, 3, 2, 2, 3)));
    cs.add(Spec.of("conv1d feature groups 2", Convolution.class,
        v -> Ops.convolution(v.get(0), v.get(1), new Convolution(new int[] {1}, new int[] {1}, new int[] {1},
            new int[] {1}, new int[] {1}, nwc, 2)),
        uniform(-1, 1, 2, 8, 4), uniform(-1, 1, 3, 2, 6)));
    Convolution.Dims ncw = new Convolution.Dims(0, 1, new int[] {2}, 1, 0, new int[] {2}, 0, 1, new int[] {2});
    cs.add(Spec.of("conv1d channels-first", Convolution.class,
        v -> Ops.convolution(v.get(0), v.get(1), Convolution.of(new int[] {1}, new int[] {1}, new int[] {1}, ncw)),
        uniform(-1, 1, 2, 3, 9), uniform(-1, 1, 4, 3, 3)));
    cs.add(Spec.of("conv1d negative padding", Convolution.class,
        v -> Ops.convolution(v.get(0), v.get(1), Convolution.of(new int[] {1}, new int[] {-1}, new int[] {1}, nwc)),
        uniform(-1, 1, 2, 7, 2), uniform(-1, 1, 3, 2, 3)));
    cs.add(Spec.of("matmul", DotGeneral.class, v -> Ops.matmul(v.get(0), v.get(1)),
        uniform(-1, 1, 3, 4), uniform(-1, 1, 4, 5)));
    cs.add(Spec.of("dot_general batched", DotGeneral.class,
        v -> Ops.dotGeneral(v.get(0), v.get(1), new int[] {0}, new int[] {0}, new int[] {2}, new int[] {1}),
        uniform(-1, 1, 2, 3, 4), uniform(-1, 1, 2, 4, 5)));
    cs.add(Spec.of("dot_general permuted batch and two contracting dims", DotGeneral.class,
        v -> Ops.dotGeneral(v.get(0), v.get(1), new int[] {1}, new int[] {1}, new int[] {0, 3}, new int[] {2, 0}),
        uniform(-1, 1, 3, 2, 4, 5), uniform(-1, 1, 5, 2, 3, 6)));
    cs.add(Spec.of("dot_general with both operands transposed", DotGeneral.class,
        v -> Ops.dotGeneral(v.get(0), v.get(1), new int[] {0}, new int[] {0}, new int[] {1}, new int[] {2}),
        uniform(-1, 1, 2, 6, 3), uniform(-1, 1, 2, 5, 6)));
  }

  /**
   * NaN and ±Inf through the ops whose handling of them can differ between implementations: relu (a select), abs
   * and sign, comparisons (ordered ones false, != true), a clip built of max and min with the data first, a select;
   * and the unary functions at infinities. Forward only: a non-finite input must come out as XLA gives it (a NaN stays
   * NaN), which PJRT-against-Java runs check. Maximum, minimum and max reductions with a NaN in the second operand
   * are not here: XLA's CPU plugin compiles them by default with fast min/max, which drops that NaN (the StableHLO
   * spec, XLA's GPU and TPU compilers and the Java backend propagate it; NonFiniteSemanticsTest pins the Java side).
   */
  private static void nonFiniteSpecs(List<Spec> cs) {
    cs.add(Spec.forwardOnly("relu with NaN and ±Inf", Select.class, v -> Ops.relu(v.get(0)), nonFinite(-2, 2, 7, 5)));
    cs.add(Spec.forwardOnly("clip to [-1, 1] with NaN and ±Inf", Binary.class,
        v -> Ops.min(Ops.max(v.get(0), Ops.constantLike(v.get(0), -1.0)), Ops.constantLike(v.get(0), 1.0)),
        nonFinite(-2, 2, 7, 5)));
    for (Unary.Kind k : List.of(Unary.Kind.ABS, Unary.Kind.SIGN, Unary.Kind.NEGATE, Unary.Kind.EXP,
        Unary.Kind.LOGISTIC, Unary.Kind.TANH, Unary.Kind.SQRT)) {
      cs.add(Spec.forwardOnly("unary " + k.name().toLowerCase() + " with NaN and ±Inf", Unary.class,
          v -> apply(new Unary(k), v), nonFinite(0.1, 2, 7, 5)));
    }
    for (Ops.Cmp c : Ops.Cmp.values()) {
      cs.add(Spec.forwardOnly("compare " + c.name().toLowerCase() + " with NaN and ±Inf", Compare.class,
          v -> Ops.convert(Ops.compare(v.get(0), c, v.get(1)), DType.S32), nonFinite(-1, 1, 11), nonFinite(-1, 1, 11)));
    }
    cs.add(Spec.forwardOnly("select passes NaN through", Select.class, v -> Ops.select(v.get(0), v.get(1), v.get(2)),
        pred(7, 5), nonFinite(-1, 1, 7, 5), nonFinite(-1, 1, 7, 5)));
  }

  private static Value apply(dev.kiln.core.graph.Primitive p, List<Value> v) {
    return v.get(0).tracer().apply(p, v.toArray(new Value[0]));
  }
}
