package dev.kiln.core.hlo;

import dev.kiln.core.DType;
import dev.kiln.core.graph.Value;
import java.util.List;

/**
 * What a primitive sees while it is lowered to StableHLO text: names of values, and ways to emit ops in MLIR's
 * generic form ({@code %r = "stablehlo.add"(%a, %b) : (tensor<..>, tensor<..>) -> tensor<..>}), which is valid for
 * every op and keeps the writer free of per-op pretty syntax.
 */
public interface HloEmitter {
  /** The SSA name of a value ({@code %argN} for parameters). */
  String name(Value v);

  /** Emits {@code out} as the op applied to out's inputs, with an attribute dictionary body (may be empty). */
  void op(Value out, String opName, String attributes);

  /**
   * Emits {@code out} as an op with one region ({@code regionBody} lines between braces, without them), applied to
   * the given operand names and types.
   */
  void opWithRegion(Value out, String opName, List<String> operands, List<String> operandTypes, String regionBody,
      String attributes);

  /** Emits a scalar constant and returns its SSA name. */
  String scalarConstant(DType dtype, double value);

  /** A fresh SSA name, unique in the module. */
  String fresh();

  /** Makes {@code out} another name for {@code in} (for ops with no StableHLO counterpart, like stop_gradient). */
  void alias(Value out, Value in);

  /**
   * Emits {@code out} as the ops of {@code sub}, a graph whose parameters stand for out's inputs (in order) and whose
   * single output is out: for primitives that have a fast Java kernel but lower to a composite of other ops.
   */
  void inline(Value out, dev.kiln.core.graph.Graph sub);

  /** The number of replicas the module is compiled for (replica groups of collectives). */
  int replicas();

  /** {@code array<i64: a, b, c>}. */
  static String i64Array(int[] a) {
    StringBuilder b = new StringBuilder("array<i64");
    for (int i = 0; i < a.length; i++) {
      b.append(i == 0 ? ": " : ", ").append(a[i]);
    }
    return b.append('>').toString();
  }

  /** {@code [a, b, c]}. */
  static String list(int[] a) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < a.length; i++) {
      if (i > 0) b.append(", ");
      b.append(a[i]);
    }
    return b.append(']').toString();
  }

  /** The body of a two-argument scalar region applying {@code stablehlo.<op>}, e.g. for reduce and all_reduce. */
  default String binaryRegion(DType dtype, String op) {
    String t = "tensor<" + dtype.mlirName() + ">";
    String a = fresh(), b = fresh(), r = fresh();
    return "  ^bb0(" + a + ": " + t + ", " + b + ": " + t + "):\n"
        + "    " + r + " = \"stablehlo." + op + "\"(" + a + ", " + b + ") : (" + t + ", " + t + ") -> " + t + "\n"
        + "    \"stablehlo.return\"(" + r + ") : (" + t + ") -> ()\n";
  }
}
