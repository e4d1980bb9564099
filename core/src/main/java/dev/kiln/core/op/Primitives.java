package dev.kiln.core.op;

import dev.kiln.core.graph.Primitive;
import java.util.List;

/**
 * The registry of Kiln's primitives. The conformance tests (gradient checks, kernel references, StableHLO goldens,
 * Java-vs-PJRT parity) iterate over this list and fail when a primitive lacks a case, so a new primitive is not
 * done until it is listed here and covered.
 */
public final class Primitives {
  private Primitives() {}

  /** Every primitive class. */
  public static final List<Class<? extends Primitive>> ALL = List.of(
      Parameter.class, Constant.class, Iota.class, Unary.class, Binary.class, Compare.class, Select.class,
      Convert.class, BroadcastInDim.class, Reshape.class, Transpose.class, Slice.class, Pad.class,
      Concatenate.class, Reverse.class, Reduce.class, Convolution.class, DotGeneral.class, AllReduce.class,
      ReplicaId.class, StopGradient.class, Gather.class, BatchNormalize.class, dev.kiln.core.random.RandomNormal.class,
      dev.kiln.core.random.RandomBits.class);

  /** Primitives whose float outputs carry gradients to float inputs (the rest have none or no inputs). */
  public static final List<Class<? extends Primitive>> DIFFERENTIABLE = List.of(
      Unary.class, Binary.class, Select.class, Convert.class, BroadcastInDim.class, Reshape.class, Transpose.class,
      Slice.class, Pad.class, Concatenate.class, Reverse.class, Reduce.class, Convolution.class, DotGeneral.class,
      AllReduce.class, Gather.class, BatchNormalize.class);
}
