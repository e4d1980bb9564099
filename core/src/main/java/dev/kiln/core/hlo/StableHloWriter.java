package dev.kiln.core.hlo;

import dev.kiln.core.DType;
import dev.kiln.core.TensorType;
import dev.kiln.core.backend.CompileOptions;
import dev.kiln.core.graph.Graph;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Parameter;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Lowers a {@link Graph} to a StableHLO module in MLIR text: one {@code func.func public @main} whose arguments are
 * the graph's parameters (donated ones marked {@code tf.aliasing_output}) and whose results are its outputs, with
 * one op per primitive in MLIR's generic syntax. This is what the PJRT backend hands to a plugin's compiler.
 */
public final class StableHloWriter implements HloEmitter {
  private final StringBuilder body = new StringBuilder();
  private final Map<Value, String> names = new IdentityHashMap<>();
  private final int replicas;
  private int counter;

  private StableHloWriter(int replicas) {
    this.replicas = replicas;
  }

  /** The module text for {@code graph} compiled with {@code options}. */
  public static String write(Graph graph, CompileOptions options) {
    StableHloWriter w = new StableHloWriter(options.replicas());
    return w.module(graph, options);
  }

  public static String write(Graph graph) {
    return write(graph, CompileOptions.DEFAULT);
  }

  private String module(Graph g, CompileOptions options) {
    checkDonations(g, options);
    List<Value> params = g.parameters();
    StringBuilder sig = new StringBuilder();
    for (int i = 0; i < params.size(); i++) {
      Value p = params.get(i);
      String name = "%arg" + i;
      names.put(p, name);
      if (i > 0) sig.append(", ");
      sig.append(name).append(": ").append(p.type().mlir());
      Integer out = options.donations().get(i);
      if (out != null) {
        sig.append(" {tf.aliasing_output = ").append(out).append(" : i32}");
      }
    }
    for (Value v : g.nodes()) {
      if (!(v.op() instanceof Parameter)) {
        v.op().lower(this, v);
      }
    }
    StringBuilder results = new StringBuilder();
    StringBuilder retNames = new StringBuilder();
    StringBuilder retTypes = new StringBuilder();
    for (int i = 0; i < g.outputs().size(); i++) {
      Value o = g.outputs().get(i);
      if (i > 0) {
        results.append(", ");
        retNames.append(", ");
        retTypes.append(", ");
      }
      results.append(o.type().mlir());
      retNames.append(name(o));
      retTypes.append(o.type().mlir());
    }
    return "module @kiln attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = " + replicas + " : i32} {\n"
        + "  func.func public @main(" + sig + ") -> (" + results + ") {\n"
        + body
        + "    \"func.return\"(" + retNames + ") : (" + retTypes + ") -> ()\n"
        + "  }\n"
        + "}\n";
  }

  /**
   * Rejects donations that XLA could not honour: a missing parameter or output, an output whose type differs from
   * the parameter's, or two parameters donated to one output. Donations are checked in parameter order, so the
   * message names the same pair on every run.
   */
  private static void checkDonations(Graph g, CompileOptions options) {
    List<Value> params = g.parameters();
    List<Value> outs = g.outputs();
    Map<Integer, Integer> target = new HashMap<>();
    for (Map.Entry<Integer, Integer> d : new TreeMap<>(options.donations()).entrySet()) {
      int p = d.getKey(), o = d.getValue();
      if (p < 0 || p >= params.size()) {
        throw new IllegalArgumentException("cannot donate parameter " + p + ": the graph has " + params.size()
            + " parameters");
      }
      Value param = params.get(p);
      String what = "parameter " + p + " (" + ((Parameter) param.op()).name() + ": " + param.type()
          + ") cannot be donated to output " + o;
      if (o < 0 || o >= outs.size()) {
        throw new IllegalArgumentException(what + ": the graph has " + outs.size() + " outputs");
      }
      TensorType ot = outs.get(o).type();
      if (!ot.equals(param.type())) {
        throw new IllegalArgumentException(what + " (" + g.outputNames().get(o) + ": " + ot
            + "): a donated parameter and its output must have the same type");
      }
      Integer other = target.put(o, p);
      if (other != null) {
        throw new IllegalArgumentException(what + ": parameter " + other + " is already donated to it");
      }
    }
  }

  @Override
  public String name(Value v) {
    String n = names.get(v);
    if (n == null) throw new IllegalStateException("value " + v + " used before it was lowered");
    return n;
  }

  private String define(Value out) {
    String n = fresh();
    names.put(out, n);
    return n;
  }

  @Override
  public void op(Value out, String opName, String attributes) {
    StringBuilder operands = new StringBuilder();
    StringBuilder types = new StringBuilder();
    for (int i = 0; i < out.inputs().size(); i++) {
      if (i > 0) {
        operands.append(", ");
        types.append(", ");
      }
      operands.append(name(out.input(i)));
      types.append(out.input(i).type().mlir());
    }
    String n = define(out);
    body.append("    ").append(n).append(" = \"stablehlo.").append(opName).append("\"(").append(operands).append(')');
    if (!attributes.isEmpty()) body.append(" {").append(attributes).append('}');
    body.append(" : (").append(types).append(") -> ").append(out.type().mlir()).append('\n');
  }

  @Override
  public void opWithRegion(Value out, String opName, List<String> operands, List<String> operandTypes,
      String regionBody, String attributes) {
    String n = define(out);
    body.append("    ").append(n).append(" = \"stablehlo.").append(opName).append("\"(")
        .append(String.join(", ", operands)).append(") ({\n");
    for (String line : regionBody.split("\n")) body.append("    ").append(line).append('\n');
    body.append("    })");
    if (!attributes.isEmpty()) body.append(" {").append(attributes).append('}');
    body.append(" : (").append(String.join(", ", operandTypes)).append(") -> ").append(out.type().mlir()).append('\n');
  }

  @Override
  public String scalarConstant(DType dtype, double value) {
    String n = fresh();
    String t = "tensor<" + dtype.mlirName() + ">";
    body.append("    ").append(n).append(" = \"stablehlo.constant\"() {value = dense<")
        .append(DenseFormat.scalar(dtype, value)).append("> : ").append(t).append("} : () -> ").append(t).append('\n');
    return n;
  }

  @Override
  public String fresh() {
    return "%" + counter++;
  }

  @Override
  public void inline(Value out, Graph sub) {
    List<Value> ps = sub.parameters();
    if (ps.size() != out.inputs().size() || sub.outputs().size() != 1) {
      throw new IllegalArgumentException("an inlined graph needs one parameter per input and one output");
    }
    for (int i = 0; i < ps.size(); i++) names.put(ps.get(i), name(out.input(i)));
    for (Value v : sub.nodes()) {
      if (!(v.op() instanceof Parameter)) v.op().lower(this, v);
    }
    names.put(out, name(sub.outputs().get(0)));
  }

  @Override
  public void alias(Value out, Value in) {
    names.put(out, name(in));
  }

  @Override
  public int replicas() {
    return replicas;
  }
}
