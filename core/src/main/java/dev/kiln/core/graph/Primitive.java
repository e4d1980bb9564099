package dev.kiln.core.graph;

import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.hlo.HloEmitter;
import java.util.List;

/**
 * One operation of Kiln's graph, mapped one-to-one onto a StableHLO op. A primitive is a small value (a record of
 * its attributes) that knows all of itself: its result type, its gradient written with other primitives, its
 * StableHLO text and its Java kernel. Adding a primitive means writing one class and listing it in
 * {@link dev.kiln.core.op.Primitives}; the shared conformance tests then pick it up.
 */
public interface Primitive {
  /** The op's name, as in StableHLO without the dialect prefix (e.g. {@code add}, {@code convolution}). */
  String name();

  /** The attributes, for error messages and graph dumps (e.g. {@code dims=[0, 1]}); empty when there are none. */
  default String attributes() {
    return "";
  }

  /** The result type for these input types; throws {@link ShapeException} naming op, inputs and attributes. */
  TensorType inferType(List<TensorType> inputs);

  /**
   * The vector-Jacobian product: given the cotangent of {@code out} (a node of this primitive), one cotangent per
   * input, written with primitives on {@code out}'s tracer; {@code null} where no gradient flows (integer inputs,
   * selectors). Only called when {@code out} is floating point.
   */
  List<Value> vjp(Value out, Value cotangent);

  /** Writes this node's StableHLO op. */
  void lower(HloEmitter emitter, Value out);

  /** The Java backend's kernel: computes the node's result from its inputs. */
  Tensor eval(CpuContext ctx, Tensor[] inputs, TensorType outType);

  /** Builds the standard shape error for this primitive. */
  default ShapeException error(List<TensorType> inputs, String why) {
    return new ShapeException(name(), inputs, attributes(), why);
  }
}
