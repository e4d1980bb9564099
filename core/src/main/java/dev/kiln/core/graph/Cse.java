package dev.kiln.core.graph;

import dev.kiln.core.Tensor;
import dev.kiln.core.op.AllReduce;
import dev.kiln.core.op.Parameter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Common-subexpression elimination: the same function with every node that applies an equal primitive to the same
 * inputs as an earlier node replaced by that node. Autodiff and layers rebuild what the forward pass already had
 * (batch normalization's VJP recomputes the mean and variance that the moving statistics took, and every
 * {@code mean} brings its own divisor constant); the Java backend runs each of them once.
 *
 * <p>Primitives are equal when they are records of one class whose components are equal by content (arrays element
 * by element, nested records likewise, constants by dtype, shape and values). A primitive that is not a record is
 * never merged, nor are parameters and collectives. Merged nodes compute the same function of the same inputs, so
 * results are bit-identical.
 */
public final class Cse {
  /** Constants larger than this are compared by identity: hashing their contents would cost more than it saves. */
  private static final int MAX_CONSTANT_SIZE = 1024;

  private Cse() {}

  /** The graph with common subexpressions merged: same parameters and named outputs, fewer or equal nodes. */
  public static Graph apply(Graph g) {
    Tracer t = new Tracer();
    Map<Value, Value> map = new IdentityHashMap<>();
    for (Value p : g.parameters()) {
      Parameter op = (Parameter) p.op();
      map.put(p, t.parameter(op.name(), op.type()));
    }
    Map<Key, Value> seen = new HashMap<>();
    for (Value v : g.nodes()) {
      if (v.op() instanceof Parameter) continue;
      Value[] ins = new Value[v.inputs().size()];
      for (int i = 0; i < ins.length; i++) ins[i] = map.get(v.input(i));
      Key k = mergeable(v.op()) ? new Key(v.op(), List.of(ins)) : null;
      Value nv = k == null ? null : seen.get(k);
      if (nv == null) {
        nv = t.apply(v.op(), ins);
        if (k != null) seen.put(k, nv);
      }
      map.put(v, nv);
    }
    Map<String, Value> outs = new LinkedHashMap<>();
    for (int i = 0; i < g.outputs().size(); i++) outs.put(g.outputNames().get(i), map.get(g.outputs().get(i)));
    return t.build(outs);
  }

  private static boolean mergeable(Primitive op) {
    return op.getClass().isRecord() && !(op instanceof Parameter) && !(op instanceof AllReduce);
  }

  /** A node's primitive and (already merged) inputs; equal keys compute the same value. */
  private record Key(Primitive op, List<Value> inputs) {
    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Key k) || k.inputs.size() != inputs.size()) return false;
      for (int i = 0; i < inputs.size(); i++) if (k.inputs.get(i) != inputs.get(i)) return false;
      return sameContent(op, k.op);
    }

    @Override
    public int hashCode() {
      int h = op.getClass().hashCode();
      for (Value v : inputs) h = 31 * h + System.identityHashCode(v);
      return h;
    }
  }

  /** Equality by content: arrays element by element, records component by component, tensors by type and values. */
  static boolean sameContent(Object a, Object b) {
    if (a == b) return true;
    if (a == null || b == null || a.getClass() != b.getClass()) return false;
    if (a.getClass().isArray()) return Objects.deepEquals(a, b);
    if (a instanceof Tensor x) {
      Tensor y = (Tensor) b;
      return x.type().equals(y.type()) && x.size() <= MAX_CONSTANT_SIZE && !x.isBufferBacked() && !y.isBufferBacked()
          && Objects.deepEquals(x.array(), y.array());
    }
    if (a.getClass().isRecord()) {
      for (RecordComponent c : a.getClass().getRecordComponents()) {
        try {
          if (!sameContent(c.getAccessor().invoke(a), c.getAccessor().invoke(b))) return false;
        } catch (IllegalAccessException | InvocationTargetException e) {
          return false; // an inaccessible component: not provably equal, so not merged
        }
      }
      return true;
    }
    return a.equals(b);
  }
}
