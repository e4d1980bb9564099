package dev.kiln.core.hlo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.backend.CompileOptions;
import dev.kiln.core.cpu.Reductions;
import dev.kiln.core.graph.Graph;
import dev.kiln.core.graph.Primitive;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Binary;
import dev.kiln.core.op.Compare;
import dev.kiln.core.op.Convolution;
import dev.kiln.core.op.Ops;
import dev.kiln.core.op.Primitives;
import dev.kiln.core.op.Reduce;
import dev.kiln.core.op.Select;
import dev.kiln.core.op.Unary;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden texts of the StableHLO writer: one or more cases per primitive (every unary and binary kind, every
 * comparison direction and type, the reduce bodies, convolution layouts, dot_general with and without batch
 * dimensions, collectives), a whole module, and donation checks. The texts were checked against the StableHLO
 * parser and XLA's CPU compiler (same results as the Java backend). A primitive listed in {@link Primitives#ALL}
 * without a golden case fails {@link #everyPrimitiveHasAGoldenCase}.
 */
class StableHloWriterTest {

  /** A named graph, the options it is written with, and the expected text of its function body. */
  record Golden(String name, Function<Tracer, Graph> graph, CompileOptions options, String expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static Golden golden(String name, String expected, Function<Tracer, Value[]> outputs) {
    return golden(name, CompileOptions.DEFAULT, expected, outputs);
  }

  private static Golden golden(String name, CompileOptions options, String expected,
      Function<Tracer, Value[]> outputs) {
    return new Golden(name, t -> t.build(outputs.apply(t)), options, expected);
  }

  /** The lines between the function header and the closing braces, without their four-space indent. */
  static String body(String module) {
    String[] lines = module.split("\n", -1);
    assertTrue(lines.length >= 5, module);
    assertTrue(lines[0].startsWith("module @kiln attributes {"), module);
    assertTrue(lines[1].startsWith("  func.func public @main("), module);
    assertEquals(List.of("  }", "}", ""), List.of(lines).subList(lines.length - 3, lines.length), module);
    StringBuilder b = new StringBuilder();
    for (int i = 2; i < lines.length - 3; i++) {
      assertTrue(lines[i].startsWith("    "), "line " + i + " is not indented: " + lines[i]);
      b.append(lines[i].substring(4)).append('\n');
    }
    return b.toString();
  }

  private static Value p(Tracer t, String name, DType d, int... dims) {
    return t.parameter(name, d, dims);
  }

  private static Value[] out(Value... v) {
    return v;
  }

  /** The StableHLO op names of the unary kinds, as the spec spells them. */
  private static final Map<Unary.Kind, String> UNARY = new LinkedHashMap<>();
  /** The StableHLO op names of the binary kinds. */
  private static final Map<Binary.Kind, String> BINARY = new LinkedHashMap<>();

  static {
    UNARY.put(Unary.Kind.NEGATE, "negate");
    UNARY.put(Unary.Kind.EXP, "exponential");
    UNARY.put(Unary.Kind.LOG, "log");
    UNARY.put(Unary.Kind.LOG1P, "log_plus_one");
    UNARY.put(Unary.Kind.ABS, "abs");
    UNARY.put(Unary.Kind.SIGN, "sign");
    UNARY.put(Unary.Kind.SQRT, "sqrt");
    UNARY.put(Unary.Kind.RSQRT, "rsqrt");
    UNARY.put(Unary.Kind.LOGISTIC, "logistic");
    UNARY.put(Unary.Kind.TANH, "tanh");
    UNARY.put(Unary.Kind.COSINE, "cosine");
    UNARY.put(Unary.Kind.SINE, "sine");
    UNARY.put(Unary.Kind.NOT, "not");
    BINARY.put(Binary.Kind.ADD, "add");
    BINARY.put(Binary.Kind.SUBTRACT, "subtract");
    BINARY.put(Binary.Kind.MULTIPLY, "multiply");
    BINARY.put(Binary.Kind.DIVIDE, "divide");
    BINARY.put(Binary.Kind.MAXIMUM, "maximum");
    BINARY.put(Binary.Kind.MINIMUM, "minimum");
    BINARY.put(Binary.Kind.POWER, "power");
    BINARY.put(Binary.Kind.AND, "and");
    BINARY.put(Binary.Kind.OR, "or");
    BINARY.put(Binary.Kind.XOR, "xor");
    BINARY.put(Binary.Kind.SHIFT_LEFT, "shift_left");
    BINARY.put(Binary.Kind.SHIFT_RIGHT_LOGICAL, "shift_right_logical");
  }

  static Stream<Golden> goldens() {
    List<Golden> g = new ArrayList<>();

    // ---- parameter, constant, iota ----
    g.add(golden("parameter returned as is", """
        "func.return"(%arg0) : (tensor<2x3xf32>) -> ()
        """, t -> out(p(t, "x", DType.F32, 2, 3))));
    g.add(golden("constant splat", """
        %0 = "stablehlo.constant"() {value = dense<1.5> : tensor<2x3xf32>} : () -> tensor<2x3xf32>
        "func.return"(%0) : (tensor<2x3xf32>) -> ()
        """, t -> out(t.constant(Tensor.full(TensorType.of(DType.F32, 2, 3), 1.5)))));
    g.add(golden("constant non-splat nested", """
        %0 = "stablehlo.constant"() {value = dense<[[[1.0, 2.5, -3.0]], [[1.0E-5, 6.0E7, 0.1]]]> : tensor<2x1x3xf32>} : () -> tensor<2x1x3xf32>
        "func.return"(%0) : (tensor<2x1x3xf32>) -> ()
        """, t -> out(t.constant(Tensor.of(new float[] {1, 2.5f, -3, 1e-5f, 6e7f, 0.1f}, 2, 1, 3)))));
    g.add(golden("constant infinities and nan", """
        %0 = "stablehlo.constant"() {value = dense<[0x7F800000, 0xFF800000, 0x7FC00000, -0.0]> : tensor<4xf32>} : () -> tensor<4xf32>
        %1 = "stablehlo.constant"() {value = dense<0xFFF0000000000000> : tensor<2xf64>} : () -> tensor<2xf64>
        %2 = "stablehlo.constant"() {value = dense<[0x7FF0000000000000, 0.1]> : tensor<2xf64>} : () -> tensor<2xf64>
        "func.return"(%0, %1, %2) : (tensor<4xf32>, tensor<2xf64>, tensor<2xf64>) -> ()
        """, t -> out(
            t.constant(Tensor.of(new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, -0.0f}, 4)),
            t.constant(Tensor.full(TensorType.of(DType.F64, 2), Double.NEGATIVE_INFINITY)),
            t.constant(Tensor.of(new double[] {Double.POSITIVE_INFINITY, 0.1}, 2)))));
    g.add(golden("constant u32", """
        %0 = "stablehlo.constant"() {value = dense<[0, 1, 4294967295, 2147483648, 2654435769]> : tensor<5xui32>} : () -> tensor<5xui32>
        %1 = "stablehlo.constant"() {value = dense<4294967295> : tensor<2xui32>} : () -> tensor<2xui32>
        "func.return"(%0, %1) : (tensor<5xui32>, tensor<2xui32>) -> ()
        """, t -> out(
            t.constant(Tensor.ofUnsigned(new int[] {0, 1, 0xFFFFFFFF, 0x80000000, 0x9E3779B9}, 5)),
            t.constant(Tensor.full(TensorType.of(DType.U32, 2), 4294967295.0)))));
    g.add(golden("constant s32", """
        %0 = "stablehlo.constant"() {value = dense<[[-2147483648, -1], [0, 2147483647]]> : tensor<2x2xi32>} : () -> tensor<2x2xi32>
        %1 = "stablehlo.constant"() {value = dense<-7> : tensor<i32>} : () -> tensor<i32>
        "func.return"(%0, %1) : (tensor<2x2xi32>, tensor<i32>) -> ()
        """, t -> out(t.constant(Tensor.of(new int[] {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE}, 2, 2)),
            t.scalar(-7, DType.S32))));
    g.add(golden("constant pred", """
        %0 = "stablehlo.constant"() {value = dense<[[true, false], [false, true]]> : tensor<2x2xi1>} : () -> tensor<2x2xi1>
        %1 = "stablehlo.constant"() {value = dense<true> : tensor<3xi1>} : () -> tensor<3xi1>
        %2 = "stablehlo.constant"() {value = dense<false> : tensor<i1>} : () -> tensor<i1>
        "func.return"(%0, %1, %2) : (tensor<2x2xi1>, tensor<3xi1>, tensor<i1>) -> ()
        """, t -> out(t.constant(Tensor.of(new boolean[] {true, false, false, true}, 2, 2)),
            t.constant(Tensor.full(TensorType.of(DType.PRED, 3), 1)), t.scalar(0, DType.PRED))));
    g.add(golden("constant empty", """
        %0 = "stablehlo.constant"() {value = dense<[]> : tensor<0xf32>} : () -> tensor<0xf32>
        %1 = "stablehlo.constant"() {value = dense<[[], []]> : tensor<2x0xi32>} : () -> tensor<2x0xi32>
        "func.return"(%0, %1) : (tensor<0xf32>, tensor<2x0xi32>) -> ()
        """, t -> out(t.constant(Tensor.zeros(DType.F32, 0)), t.constant(Tensor.zeros(DType.S32, 2, 0)))));
    g.add(golden("iota", """
        %0 = "stablehlo.iota"() {iota_dimension = 1 : i64} : () -> tensor<2x3xi32>
        %1 = "stablehlo.iota"() {iota_dimension = 0 : i64} : () -> tensor<4xf32>
        "func.return"(%0, %1) : (tensor<2x3xi32>, tensor<4xf32>) -> ()
        """, t -> out(Ops.iota(t, TensorType.of(DType.S32, 2, 3), 1), Ops.iota(t, TensorType.of(DType.F32, 4), 0))));

    // ---- elementwise ----
    for (Map.Entry<Unary.Kind, String> e : UNARY.entrySet()) {
      Unary.Kind k = e.getKey();
      String type = k == Unary.Kind.NOT ? "tensor<3xi32>" : "tensor<3xf32>";
      DType d = k == Unary.Kind.NOT ? DType.S32 : DType.F32;
      g.add(golden("unary " + k, """
          %0 = "stablehlo.OP"(%arg0) : (TYPE) -> TYPE
          "func.return"(%0) : (TYPE) -> ()
          """.replace("OP", e.getValue()).replace("TYPE", type),
          t -> out(t.apply(new Unary(k), p(t, "x", d, 3)))));
    }
    g.add(golden("unary on integers and pred", """
        %0 = "stablehlo.abs"(%arg0) : (tensor<2xi32>) -> tensor<2xi32>
        %1 = "stablehlo.negate"(%arg0) : (tensor<2xi32>) -> tensor<2xi32>
        %2 = "stablehlo.sign"(%arg0) : (tensor<2xi32>) -> tensor<2xi32>
        %3 = "stablehlo.not"(%arg1) : (tensor<2xi1>) -> tensor<2xi1>
        %4 = "stablehlo.not"(%arg2) : (tensor<2xui32>) -> tensor<2xui32>
        "func.return"(%0, %1, %2, %3, %4) : (tensor<2xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi1>, tensor<2xui32>) -> ()
        """, t -> {
          Value i = p(t, "i", DType.S32, 2);
          Value b = p(t, "b", DType.PRED, 2);
          return out(Ops.abs(i), Ops.neg(i), Ops.sign(i), Ops.not(b), Ops.not(p(t, "u", DType.U32, 2)));
        }));
    for (Map.Entry<Binary.Kind, String> e : BINARY.entrySet()) {
      Binary.Kind k = e.getKey();
      boolean bits = k.compareTo(Binary.Kind.AND) >= 0;
      String type = bits ? "tensor<2x2xui32>" : "tensor<2x2xf32>";
      DType d = bits ? DType.U32 : DType.F32;
      g.add(golden("binary " + k, """
          %0 = "stablehlo.OP"(%arg0, %arg1) : (TYPE, TYPE) -> TYPE
          "func.return"(%0) : (TYPE) -> ()
          """.replace("OP", e.getValue()).replace("TYPE", type),
          t -> out(t.apply(new Binary(k), p(t, "a", d, 2, 2), p(t, "b", d, 2, 2)))));
    }
    g.add(golden("binary on pred and s32", """
        %0 = "stablehlo.and"(%arg0, %arg1) : (tensor<3xi1>, tensor<3xi1>) -> tensor<3xi1>
        %1 = "stablehlo.xor"(%arg0, %arg1) : (tensor<3xi1>, tensor<3xi1>) -> tensor<3xi1>
        %2 = "stablehlo.or"(%arg0, %arg1) : (tensor<3xi1>, tensor<3xi1>) -> tensor<3xi1>
        %3 = "stablehlo.divide"(%arg2, %arg2) : (tensor<3xi32>, tensor<3xi32>) -> tensor<3xi32>
        %4 = "stablehlo.shift_left"(%arg2, %arg2) : (tensor<3xi32>, tensor<3xi32>) -> tensor<3xi32>
        "func.return"(%0, %1, %2, %3, %4) : (tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi32>, tensor<3xi32>) -> ()
        """, t -> {
          Value a = p(t, "a", DType.PRED, 3);
          Value b = p(t, "b", DType.PRED, 3);
          Value i = p(t, "i", DType.S32, 3);
          return out(Ops.and(a, b), Ops.xor(a, b), Ops.or(a, b), Ops.div(i, i), Ops.shiftLeft(i, i));
        }));
    for (Ops.Cmp c : Ops.Cmp.values()) {
      g.add(golden("compare " + c + " FLOAT", """
          %0 = "stablehlo.compare"(%arg0, %arg1) {comparison_direction = #stablehlo<comparison_direction DIR>, \
          compare_type = #stablehlo<comparison_type FLOAT>} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xi1>
          "func.return"(%0) : (tensor<3xi1>) -> ()
          """.replace("DIR", c.name()),
          t -> out(Ops.compare(p(t, "a", DType.F32, 3), c, p(t, "b", DType.F32, 3)))));
    }
    g.add(golden("compare types", """
        %0 = "stablehlo.compare"(%arg0, %arg0) {comparison_direction = #stablehlo<comparison_direction LT>, compare_type = #stablehlo<comparison_type SIGNED>} : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi1>
        %1 = "stablehlo.compare"(%arg1, %arg1) {comparison_direction = #stablehlo<comparison_direction GE>, compare_type = #stablehlo<comparison_type UNSIGNED>} : (tensor<2xui32>, tensor<2xui32>) -> tensor<2xi1>
        %2 = "stablehlo.compare"(%arg2, %arg2) {comparison_direction = #stablehlo<comparison_direction EQ>, compare_type = #stablehlo<comparison_type UNSIGNED>} : (tensor<2xi1>, tensor<2xi1>) -> tensor<2xi1>
        %3 = "stablehlo.compare"(%arg3, %arg3) {comparison_direction = #stablehlo<comparison_direction NE>, compare_type = #stablehlo<comparison_type FLOAT>} : (tensor<2xf64>, tensor<2xf64>) -> tensor<2xi1>
        "func.return"(%0, %1, %2, %3) : (tensor<2xi1>, tensor<2xi1>, tensor<2xi1>, tensor<2xi1>) -> ()
        """, t -> {
          Value s = p(t, "s", DType.S32, 2);
          Value u = p(t, "u", DType.U32, 2);
          Value b = p(t, "b", DType.PRED, 2);
          Value f = p(t, "f", DType.F64, 2);
          return out(Ops.compare(s, Ops.Cmp.LT, s), Ops.compare(u, Ops.Cmp.GE, u), Ops.compare(b, Ops.Cmp.EQ, b),
              Ops.compare(f, Ops.Cmp.NE, f));
        }));
    g.add(golden("select", """
        %0 = "stablehlo.negate"(%arg1) : (tensor<2x2xf32>) -> tensor<2x2xf32>
        %1 = "stablehlo.select"(%arg0, %arg1, %0) : (tensor<2x2xi1>, tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
        %2 = "stablehlo.negate"(%arg3) : (tensor<3xi32>) -> tensor<3xi32>
        %3 = "stablehlo.select"(%arg2, %arg3, %2) : (tensor<i1>, tensor<3xi32>, tensor<3xi32>) -> tensor<3xi32>
        "func.return"(%1, %3) : (tensor<2x2xf32>, tensor<3xi32>) -> ()
        """, t -> {
          Value pr = p(t, "p", DType.PRED, 2, 2);
          Value a = p(t, "a", DType.F32, 2, 2);
          Value s = p(t, "s", DType.PRED);
          Value i = p(t, "i", DType.S32, 3);
          return out(Ops.select(pr, a, Ops.neg(a)), t.apply(new Select(), s, i, Ops.neg(i)));
        }));
    g.add(golden("convert", """
        %0 = "stablehlo.convert"(%arg0) : (tensor<2xf32>) -> tensor<2xi32>
        %1 = "stablehlo.convert"(%arg1) : (tensor<2xui32>) -> tensor<2xf64>
        %2 = "stablehlo.convert"(%arg2) : (tensor<2xi1>) -> tensor<2xf32>
        %3 = "stablehlo.convert"(%arg0) : (tensor<2xf32>) -> tensor<2xi32>
        %4 = "stablehlo.convert"(%3) : (tensor<2xi32>) -> tensor<2xi1>
        "func.return"(%0, %1, %2, %4) : (tensor<2xi32>, tensor<2xf64>, tensor<2xf32>, tensor<2xi1>) -> ()
        """, t -> {
          Value f = p(t, "f", DType.F32, 2);
          Value u = p(t, "u", DType.U32, 2);
          Value b = p(t, "b", DType.PRED, 2);
          return out(Ops.convert(f, DType.S32), Ops.convert(u, DType.F64), Ops.convert(b, DType.F32),
              Ops.convert(Ops.convert(f, DType.S32), DType.PRED));
        }));

    // ---- layout ----
    g.add(golden("broadcast_in_dim", """
        %0 = "stablehlo.broadcast_in_dim"(%arg0) {broadcast_dimensions = array<i64>} : (tensor<f32>) -> tensor<2x3xf32>
        %1 = "stablehlo.broadcast_in_dim"(%arg1) {broadcast_dimensions = array<i64: 1>} : (tensor<3xf32>) -> tensor<2x3xf32>
        %2 = "stablehlo.broadcast_in_dim"(%arg2) {broadcast_dimensions = array<i64: 0, 1>} : (tensor<3x1xi32>) -> tensor<3x4xi32>
        %3 = "stablehlo.broadcast_in_dim"(%arg3) {broadcast_dimensions = array<i64: 2, 0>} : (tensor<2x3xf64>) -> tensor<3x4x2xf64>
        "func.return"(%0, %1, %2, %3) : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<3x4xi32>, tensor<3x4x2xf64>) -> ()
        """, t -> {
          Value s = p(t, "s", DType.F32);
          Value r = p(t, "r", DType.F32, 3);
          Value c = p(t, "c", DType.S32, 3, 1);
          Value m = p(t, "m", DType.F64, 2, 3);
          return out(Ops.broadcastInDim(s, new int[] {2, 3}, new int[0]),
              Ops.broadcastInDim(r, new int[] {2, 3}, new int[] {1}),
              Ops.broadcastInDim(c, new int[] {3, 4}, new int[] {0, 1}),
              Ops.broadcastInDim(m, new int[] {3, 4, 2}, new int[] {2, 0}));
        }));
    g.add(golden("reshape", """
        %0 = "stablehlo.reshape"(%arg0) : (tensor<2x3xf32>) -> tensor<6xf32>
        %1 = "stablehlo.reshape"(%arg0) : (tensor<2x3xf32>) -> tensor<3x1x2xf32>
        %2 = "stablehlo.reshape"(%arg1) : (tensor<1x1xi32>) -> tensor<i32>
        "func.return"(%0, %1, %2) : (tensor<6xf32>, tensor<3x1x2xf32>, tensor<i32>) -> ()
        """, t -> {
          Value x = p(t, "x", DType.F32, 2, 3);
          Value one = p(t, "one", DType.S32, 1, 1);
          return out(Ops.reshape(x, 6), Ops.reshape(x, 3, 1, 2), Ops.reshape(one));
        }));
    g.add(golden("transpose", """
        %0 = "stablehlo.transpose"(%arg0) {permutation = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
        "func.return"(%0) : (tensor<4x2x3xf32>) -> ()
        """, t -> out(Ops.transpose(p(t, "x", DType.F32, 2, 3, 4), 2, 0, 1))));
    g.add(golden("slice", """
        %0 = "stablehlo.slice"(%arg0) {start_indices = array<i64: 1, 0>, limit_indices = array<i64: 5, 7>, strides = array<i64: 2, 3>} : (tensor<5x7xf32>) -> tensor<2x3xf32>
        "func.return"(%0) : (tensor<2x3xf32>) -> ()
        """, t -> out(Ops.slice(p(t, "x", DType.F32, 5, 7), new int[] {1, 0}, new int[] {5, 7}, new int[] {2, 3}))));
    // RandomNormal lowers to exactly the StableHLO of its elementwise composite (the same words: RandomNormalTest).
    Function<Tracer, Value[]> composite = t -> out(dev.kiln.core.random.Threefry.normalElementwise(
        p(t, "key", DType.U32, 2), p(t, "counter", DType.U32), DType.F32, 3, 3));
    Tracer ct = new Tracer();
    g.add(golden("random_normal", body(StableHloWriter.write(ct.build(composite.apply(ct)))),
        t -> out(dev.kiln.core.random.Threefry.normal(p(t, "key", DType.U32, 2), p(t, "counter", DType.U32), DType.F32,
            3, 3))));
    // RandomBits lowers to exactly the StableHLO of its elementwise composite (the same words: RandomNormalTest).
    Tracer wt = new Tracer();
    g.add(golden("random_bits", body(StableHloWriter.write(wt.build(out(dev.kiln.core.random.Threefry.bitsElementwise(
        p(wt, "key", DType.U32, 2), p(wt, "counter", DType.U32), 3, 3))))),
        t -> out(dev.kiln.core.random.Threefry.bits(p(t, "key", DType.U32, 2), p(t, "counter", DType.U32), 3, 3))));
    // BatchNormalize lowers to exactly the StableHLO of its composite (their numbers agree: the conformance suite).
    Tracer bt = new Tracer();
    g.add(golden("batch_normalize", body(StableHloWriter.write(bt.build(out(
        dev.kiln.core.op.BatchNormalize.composite(p(bt, "x", DType.F32, 4, 3, 2), new int[] {0, 1}, 1e-3))))),
        t -> out(Ops.batchNormalize(p(t, "x", DType.F32, 4, 3, 2), 1e-3, 0, 1))));
    g.add(golden("gather", """
        %0 = "stablehlo.gather"(%arg0, %arg1) {dimension_numbers = #stablehlo.gather<offset_dims = [1, 2], start_index_map = [0], index_vector_dim = 1>, indices_are_sorted = false, slice_sizes = array<i64: 3, 4>} : (tensor<10x4xf32>, tensor<5xi32>) -> tensor<5x3x4xf32>
        "func.return"(%0) : (tensor<5x3x4xf32>) -> ()
        """, t -> out(Ops.gatherRows(p(t, "x", DType.F32, 10, 4), p(t, "i", DType.S32, 5), 3))));
    g.add(golden("pad", """
        %0 = "stablehlo.pad"(%arg0, %arg1) {edge_padding_low = array<i64: 1, -1>, edge_padding_high = array<i64: 0, 3>, interior_padding = array<i64: 0, 1>} : (tensor<3x4xf32>, tensor<f32>) -> tensor<4x9xf32>
        "func.return"(%0) : (tensor<4x9xf32>) -> ()
        """, t -> out(Ops.pad(p(t, "x", DType.F32, 3, 4), p(t, "v", DType.F32), new int[] {1, -1},
            new int[] {0, 3}, new int[] {0, 1}))));
    g.add(golden("concatenate", """
        %0 = "stablehlo.concatenate"(%arg0, %arg1, %arg2) {dimension = 1 : i64} : (tensor<2x3xf32>, tensor<2x1xf32>, tensor<2x2xf32>) -> tensor<2x6xf32>
        "func.return"(%0) : (tensor<2x6xf32>) -> ()
        """, t -> out(Ops.concatenate(1, List.of(p(t, "a", DType.F32, 2, 3), p(t, "b", DType.F32, 2, 1),
            p(t, "c", DType.F32, 2, 2))))));
    g.add(golden("reverse", """
        %0 = "stablehlo.reverse"(%arg0) {dimensions = array<i64: 0, 2>} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
        "func.return"(%0) : (tensor<2x3x4xf32>) -> ()
        """, t -> out(Ops.reverse(p(t, "x", DType.F32, 2, 3, 4), 0, 2))));

    // ---- reductions and contractions ----
    g.add(golden("reduce sum", """
        %0 = "stablehlo.constant"() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
        %4 = "stablehlo.reduce"(%arg0, %0) ({
          ^bb0(%1: tensor<f32>, %2: tensor<f32>):
            %3 = "stablehlo.add"(%1, %2) : (tensor<f32>, tensor<f32>) -> tensor<f32>
            "stablehlo.return"(%3) : (tensor<f32>) -> ()
        }) {dimensions = array<i64: 1>} : (tensor<2x3x4xf32>, tensor<f32>) -> tensor<2x4xf32>
        "func.return"(%4) : (tensor<2x4xf32>) -> ()
        """, t -> out(Ops.sum(p(t, "x", DType.F32, 2, 3, 4), 1))));
    g.add(golden("reduce max", """
        %0 = "stablehlo.constant"() {value = dense<0xFF800000> : tensor<f32>} : () -> tensor<f32>
        %4 = "stablehlo.reduce"(%arg0, %0) ({
          ^bb0(%1: tensor<f32>, %2: tensor<f32>):
            %3 = "stablehlo.maximum"(%1, %2) : (tensor<f32>, tensor<f32>) -> tensor<f32>
            "stablehlo.return"(%3) : (tensor<f32>) -> ()
        }) {dimensions = array<i64: 0, 1>} : (tensor<2x3xf32>, tensor<f32>) -> tensor<f32>
        "func.return"(%4) : (tensor<f32>) -> ()
        """, t -> out(Ops.reduceMax(p(t, "x", DType.F32, 2, 3)))));
    g.add(golden("reduce max of integers and sum over no dimensions", """
        %0 = "stablehlo.constant"() {value = dense<-2147483648> : tensor<i32>} : () -> tensor<i32>
        %4 = "stablehlo.reduce"(%arg0, %0) ({
          ^bb0(%1: tensor<i32>, %2: tensor<i32>):
            %3 = "stablehlo.maximum"(%1, %2) : (tensor<i32>, tensor<i32>) -> tensor<i32>
            "stablehlo.return"(%3) : (tensor<i32>) -> ()
        }) {dimensions = array<i64: 0>} : (tensor<4xi32>, tensor<i32>) -> tensor<i32>
        %5 = "stablehlo.constant"() {value = dense<0> : tensor<ui32>} : () -> tensor<ui32>
        %9 = "stablehlo.reduce"(%arg1, %5) ({
          ^bb0(%6: tensor<ui32>, %7: tensor<ui32>):
            %8 = "stablehlo.maximum"(%6, %7) : (tensor<ui32>, tensor<ui32>) -> tensor<ui32>
            "stablehlo.return"(%8) : (tensor<ui32>) -> ()
        }) {dimensions = array<i64: 0>} : (tensor<4xui32>, tensor<ui32>) -> tensor<ui32>
        %10 = "stablehlo.constant"() {value = dense<0.0> : tensor<f64>} : () -> tensor<f64>
        %14 = "stablehlo.reduce"(%arg2, %10) ({
          ^bb0(%11: tensor<f64>, %12: tensor<f64>):
            %13 = "stablehlo.add"(%11, %12) : (tensor<f64>, tensor<f64>) -> tensor<f64>
            "stablehlo.return"(%13) : (tensor<f64>) -> ()
        }) {dimensions = array<i64>} : (tensor<2xf64>, tensor<f64>) -> tensor<2xf64>
        "func.return"(%4, %9, %14) : (tensor<i32>, tensor<ui32>, tensor<2xf64>) -> ()
        """, t -> out(Ops.reduceMax(p(t, "s", DType.S32, 4), 0), Ops.reduceMax(p(t, "u", DType.U32, 4), 0),
            t.apply(new Reduce(Reductions.Kind.SUM, new int[0]), p(t, "d", DType.F64, 2)))));
    g.add(golden("convolution 1-d channels-last with padding", """
        %0 = "stablehlo.convolution"(%arg0, %arg1) {batch_group_count = 1 : i64, dimension_numbers = #stablehlo.conv<raw input_batch_dimension = 0, input_feature_dimension = 2, input_spatial_dimensions = [1], kernel_input_feature_dimension = 1, kernel_output_feature_dimension = 2, kernel_spatial_dimensions = [0], output_batch_dimension = 0, output_feature_dimension = 2, output_spatial_dimensions = [1]>, feature_group_count = 1 : i64, lhs_dilation = array<i64: 1>, padding = dense<[[2, 2]]> : tensor<1x2xi64>, rhs_dilation = array<i64: 1>, window_strides = array<i64: 1>} : (tensor<4x20x3xf32>, tensor<5x3x8xf32>) -> tensor<4x20x8xf32>
        "func.return"(%0) : (tensor<4x20x8xf32>) -> ()
        """, t -> out(Ops.convolution(p(t, "x", DType.F32, 4, 20, 3), p(t, "w", DType.F32, 5, 3, 8),
            Convolution.of(new int[] {1}, new int[] {2}, new int[] {2}, Convolution.Dims.channelsLast(1))))));
    g.add(golden("convolution 2-d with dilations and feature groups", """
        %0 = "stablehlo.convolution"(%arg0, %arg1) {batch_group_count = 1 : i64, dimension_numbers = #stablehlo.conv<raw input_batch_dimension = 0, input_feature_dimension = 3, input_spatial_dimensions = [1, 2], kernel_input_feature_dimension = 2, kernel_output_feature_dimension = 3, kernel_spatial_dimensions = [0, 1], output_batch_dimension = 0, output_feature_dimension = 3, output_spatial_dimensions = [1, 2]>, feature_group_count = 2 : i64, lhs_dilation = array<i64: 1, 2>, padding = dense<[[1, 1], [0, 2]]> : tensor<2x2xi64>, rhs_dilation = array<i64: 2, 1>, window_strides = array<i64: 2, 1>} : (tensor<2x7x5x4xf32>, tensor<3x2x2x6xf32>) -> tensor<2x3x10x6xf32>
        "func.return"(%0) : (tensor<2x3x10x6xf32>) -> ()
        """, t -> out(Ops.convolution(p(t, "x", DType.F32, 2, 7, 5, 4), p(t, "w", DType.F32, 3, 2, 2, 6),
            new Convolution(new int[] {2, 1}, new int[] {1, 0}, new int[] {1, 2}, new int[] {1, 2},
                new int[] {2, 1}, Convolution.Dims.channelsLast(2), 2)))));
    g.add(golden("convolution 2-d NCHW and OIHW", """
        %0 = "stablehlo.convolution"(%arg0, %arg1) {batch_group_count = 1 : i64, dimension_numbers = #stablehlo.conv<raw input_batch_dimension = 0, input_feature_dimension = 1, input_spatial_dimensions = [2, 3], kernel_input_feature_dimension = 1, kernel_output_feature_dimension = 0, kernel_spatial_dimensions = [2, 3], output_batch_dimension = 0, output_feature_dimension = 1, output_spatial_dimensions = [2, 3]>, feature_group_count = 1 : i64, lhs_dilation = array<i64: 1, 1>, padding = dense<[[0, 0], [1, -1]]> : tensor<2x2xi64>, rhs_dilation = array<i64: 1, 1>, window_strides = array<i64: 1, 2>} : (tensor<2x3x6x6xf64>, tensor<4x3x3x3xf64>) -> tensor<2x4x4x2xf64>
        "func.return"(%0) : (tensor<2x4x4x2xf64>) -> ()
        """, t -> out(Ops.convolution(p(t, "x", DType.F64, 2, 3, 6, 6), p(t, "w", DType.F64, 4, 3, 3, 3),
            Convolution.of(new int[] {1, 2}, new int[] {0, 1}, new int[] {0, -1},
                new Convolution.Dims(0, 1, new int[] {2, 3}, 1, 0, new int[] {2, 3}, 0, 1, new int[] {2, 3}))))));
    g.add(golden("dot_general matmul", """
        %0 = "stablehlo.dot_general"(%arg0, %arg1) {dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [1], rhs_contracting_dimensions = [0]>} : (tensor<4x5xf32>, tensor<5x3xf32>) -> tensor<4x3xf32>
        "func.return"(%0) : (tensor<4x3xf32>) -> ()
        """, t -> out(Ops.matmul(p(t, "a", DType.F32, 4, 5), p(t, "b", DType.F32, 5, 3)))));
    g.add(golden("dot_general with batch dimensions", """
        %0 = "stablehlo.dot_general"(%arg0, %arg1) {dot_dimension_numbers = #stablehlo.dot<lhs_batching_dimensions = [0], rhs_batching_dimensions = [1], lhs_contracting_dimensions = [2], rhs_contracting_dimensions = [0]>} : (tensor<2x4x5xf32>, tensor<5x2x3xf32>) -> tensor<2x4x3xf32>
        "func.return"(%0) : (tensor<2x4x3xf32>) -> ()
        """, t -> out(Ops.dotGeneral(p(t, "a", DType.F32, 2, 4, 5), p(t, "b", DType.F32, 5, 2, 3),
            new int[] {0}, new int[] {1}, new int[] {2}, new int[] {0}))));

    // ---- replicas and autodiff control ----
    g.add(golden("all_reduce over 4 replicas", new CompileOptions(4, Map.of()), """
        %3 = "stablehlo.all_reduce"(%arg0) ({
          ^bb0(%0: tensor<f32>, %1: tensor<f32>):
            %2 = "stablehlo.add"(%0, %1) : (tensor<f32>, tensor<f32>) -> tensor<f32>
            "stablehlo.return"(%2) : (tensor<f32>) -> ()
        }) {replica_groups = dense<[[0, 1, 2, 3]]> : tensor<1x4xi64>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
        "func.return"(%3) : (tensor<2x3xf32>) -> ()
        """, t -> out(Ops.allReduceSum(p(t, "g", DType.F32, 2, 3)))));
    g.add(golden("all_reduce of s32 on one replica", """
        %3 = "stablehlo.all_reduce"(%arg0) ({
          ^bb0(%0: tensor<i32>, %1: tensor<i32>):
            %2 = "stablehlo.add"(%0, %1) : (tensor<i32>, tensor<i32>) -> tensor<i32>
            "stablehlo.return"(%2) : (tensor<i32>) -> ()
        }) {replica_groups = dense<[[0]]> : tensor<1x1xi64>} : (tensor<2xi32>) -> tensor<2xi32>
        "func.return"(%3) : (tensor<2xi32>) -> ()
        """, t -> out(Ops.allReduceSum(p(t, "g", DType.S32, 2)))));
    g.add(golden("replica_id", new CompileOptions(2, Map.of()), """
        %0 = "stablehlo.replica_id"() : () -> tensor<ui32>
        "func.return"(%0) : (tensor<ui32>) -> ()
        """, t -> out(Ops.replicaId(t))));
    g.add(golden("stop_gradient aliases its operand", """
        %0 = "stablehlo.multiply"(%arg0, %arg0) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
        %1 = "stablehlo.multiply"(%arg0, %arg0) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
        "func.return"(%arg0, %0, %1) : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> ()
        """, t -> {
          Value x = p(t, "x", DType.F32, 3);
          Value s = Ops.stopGradient(x);
          return out(s, s.mul(x), Ops.stopGradient(s.mul(x)));
        }));
    return g.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("goldens")
  void golden(Golden g) {
    String module = StableHloWriter.write(g.graph().apply(new Tracer()), g.options());
    assertEquals(g.expected(), body(module), g.name());
  }

  @Test
  void everyPrimitiveHasAGoldenCase() {
    Set<Class<? extends Primitive>> covered = new HashSet<>();
    Set<Unary.Kind> unary = EnumSet.noneOf(Unary.Kind.class);
    Set<Binary.Kind> binary = EnumSet.noneOf(Binary.Kind.class);
    Set<Ops.Cmp> compare = EnumSet.noneOf(Ops.Cmp.class);
    Set<String> names = new HashSet<>();
    for (Golden g : goldens().toList()) {
      assertTrue(names.add(g.name()), "two golden cases are named " + g.name());
      for (Value v : g.graph().apply(new Tracer()).nodes()) {
        covered.add(v.op().getClass());
        if (v.op() instanceof Unary u) unary.add(u.kind());
        if (v.op() instanceof Binary b) binary.add(b.kind());
        if (v.op() instanceof Compare c) compare.add(c.direction());
      }
    }
    List<String> missing = new ArrayList<>();
    for (Class<? extends Primitive> c : Primitives.ALL) {
      if (!covered.contains(c)) missing.add(c.getSimpleName());
    }
    assertTrue(missing.isEmpty(), "primitives without a StableHLO golden case: " + missing);
    assertEquals(EnumSet.allOf(Unary.Kind.class), unary, "unary kinds without a golden case");
    assertEquals(EnumSet.allOf(Binary.Kind.class), binary, "binary kinds without a golden case");
    assertEquals(EnumSet.allOf(Ops.Cmp.class), compare, "comparison directions without a golden case");
  }

  /** A training-step-like graph: donated weights updated in place, a loss, an all-reduced gradient. */
  private static Graph step(Tracer t) {
    Value w = t.parameter("w", DType.F32, 3);
    Value x = t.parameter("x", DType.F32, 2, 3);
    Value lr = t.parameter("lr", DType.F32);
    Value step = t.parameter("step", DType.S32);
    Value grad = Ops.allReduceSum(Ops.sum(x, 0));
    Map<String, Value> outs = new LinkedHashMap<>();
    outs.put("loss", Ops.sum(x.mul(w)));
    outs.put("w", w.sub(grad.mul(lr)));
    outs.put("step", step.add(t.scalar(1, DType.S32)));
    return t.build(outs);
  }

  @Test
  void wholeModule() {
    String text = StableHloWriter.write(step(new Tracer()), new CompileOptions(2, Map.of(0, 1, 3, 2)));
    assertEquals("""
        module @kiln attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 2 : i32} {
          func.func public @main(%arg0: tensor<3xf32> {tf.aliasing_output = 1 : i32}, %arg1: tensor<2x3xf32>, %arg2: tensor<f32>, %arg3: tensor<i32> {tf.aliasing_output = 2 : i32}) -> (tensor<f32>, tensor<3xf32>, tensor<i32>) {
            %0 = "stablehlo.constant"() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
            %4 = "stablehlo.reduce"(%arg1, %0) ({
              ^bb0(%1: tensor<f32>, %2: tensor<f32>):
                %3 = "stablehlo.add"(%1, %2) : (tensor<f32>, tensor<f32>) -> tensor<f32>
                "stablehlo.return"(%3) : (tensor<f32>) -> ()
            }) {dimensions = array<i64: 0>} : (tensor<2x3xf32>, tensor<f32>) -> tensor<3xf32>
            %8 = "stablehlo.all_reduce"(%4) ({
              ^bb0(%5: tensor<f32>, %6: tensor<f32>):
                %7 = "stablehlo.add"(%5, %6) : (tensor<f32>, tensor<f32>) -> tensor<f32>
                "stablehlo.return"(%7) : (tensor<f32>) -> ()
            }) {replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>} : (tensor<3xf32>) -> tensor<3xf32>
            %9 = "stablehlo.broadcast_in_dim"(%arg0) {broadcast_dimensions = array<i64: 1>} : (tensor<3xf32>) -> tensor<2x3xf32>
            %10 = "stablehlo.multiply"(%arg1, %9) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
            %11 = "stablehlo.constant"() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
            %15 = "stablehlo.reduce"(%10, %11) ({
              ^bb0(%12: tensor<f32>, %13: tensor<f32>):
                %14 = "stablehlo.add"(%12, %13) : (tensor<f32>, tensor<f32>) -> tensor<f32>
                "stablehlo.return"(%14) : (tensor<f32>) -> ()
            }) {dimensions = array<i64: 0, 1>} : (tensor<2x3xf32>, tensor<f32>) -> tensor<f32>
            %16 = "stablehlo.broadcast_in_dim"(%arg2) {broadcast_dimensions = array<i64>} : (tensor<f32>) -> tensor<3xf32>
            %17 = "stablehlo.multiply"(%8, %16) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
            %18 = "stablehlo.subtract"(%arg0, %17) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
            %19 = "stablehlo.constant"() {value = dense<1> : tensor<i32>} : () -> tensor<i32>
            %20 = "stablehlo.add"(%arg3, %19) : (tensor<i32>, tensor<i32>) -> tensor<i32>
            "func.return"(%15, %18, %20) : (tensor<f32>, tensor<3xf32>, tensor<i32>) -> ()
          }
        }
        """, text);
  }

  @Test
  void defaultOptionsWriteOneReplicaAndNoAliasing() {
    String text = StableHloWriter.write(step(new Tracer()));
    assertTrue(text.startsWith("module @kiln attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {\n"
        + "  func.func public @main(%arg0: tensor<3xf32>, %arg1: tensor<2x3xf32>, %arg2: tensor<f32>, "
        + "%arg3: tensor<i32>) -> (tensor<f32>, tensor<3xf32>, tensor<i32>) {\n"), text);
    assertTrue(!text.contains("tf.aliasing_output"), text);
  }

  @Test
  void writingIsDeterministic() {
    Graph g = step(new Tracer());
    assertEquals(StableHloWriter.write(g), StableHloWriter.write(g));
  }

  @Test
  void donationWithATypeMismatchIsRejected() {
    Graph g = step(new Tracer());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> StableHloWriter.write(g, new CompileOptions(1, Map.of(1, 1))));
    assertEquals("parameter 1 (x: F32[2, 3]) cannot be donated to output 1 (w: F32[3]): a donated parameter and "
        + "its output must have the same type", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> StableHloWriter.write(g, new CompileOptions(1, Map.of(0, 0))));
    assertEquals("parameter 0 (w: F32[3]) cannot be donated to output 0 (loss: F32[]): a donated parameter and "
        + "its output must have the same type", e.getMessage());
  }

  @Test
  void donationToAMissingOutputOrFromAMissingParameterIsRejected() {
    Graph g = step(new Tracer());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> StableHloWriter.write(g, new CompileOptions(1, Map.of(0, 3))));
    assertEquals("parameter 0 (w: F32[3]) cannot be donated to output 3: the graph has 3 outputs", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> StableHloWriter.write(g, new CompileOptions(1, Map.of(4, 1))));
    assertEquals("cannot donate parameter 4: the graph has 4 parameters", e.getMessage());
  }

  @Test
  void twoParametersDonatedToOneOutputAreRejected() {
    Tracer t = new Tracer();
    Value a = t.parameter("a", DType.F32, 2);
    Value b = t.parameter("b", DType.F32, 2);
    Graph g = t.build(a.add(b));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> StableHloWriter.write(g, new CompileOptions(1, Map.of(0, 0, 1, 0))));
    assertEquals("parameter 1 (b: F32[2]) cannot be donated to output 0: parameter 0 is already donated to it",
        e.getMessage());
  }
}
