package dev.kiln.core.graph;

import dev.kiln.core.op.Ops;
import java.util.ArrayList;
import java.util.List;

/**
 * Reverse-mode automatic differentiation on a tracer's graph. {@link #grad} walks the nodes between the
 * parameters of interest and the loss in reverse definition order, asks each primitive for its vector-Jacobian
 * product and appends those backward nodes to the same tracer, so forward and backward become one graph.
 */
public final class Autodiff {
  private Autodiff() {}

  /**
   * Gradients of a floating-point scalar {@code loss} with respect to each value of {@code wrt} (zeros for a value
   * the loss does not depend on). Gradients flow only through floating-point values.
   */
  public static List<Value> grad(Value loss, List<Value> wrt) {
    if (loss.rank() != 0 || !loss.dtype().isFloating()) {
      throw new IllegalArgumentException("grad needs a floating-point scalar loss, got " + loss.type());
    }
    Tracer t = loss.tracer();
    List<Value> nodes = t.nodes();
    int last = loss.id();
    boolean[] depends = new boolean[last + 1];
    for (Value w : wrt) {
      if (w.tracer() != t) throw new IllegalArgumentException("grad: " + w + " belongs to another tracer");
      if (!w.dtype().isFloating()) throw new IllegalArgumentException("grad with respect to non-float " + w);
      if (w.id() <= last) depends[w.id()] = true;
    }
    for (int i = 0; i <= last; i++) {
      if (depends[i]) continue;
      for (Value in : nodes.get(i).inputs()) {
        if (depends[in.id()]) {
          depends[i] = true;
          break;
        }
      }
    }
    Value[] ct = new Value[last + 1];
    ct[last] = t.scalar(1.0, loss.dtype());
    for (int i = last; i >= 0; i--) {
      Value v = nodes.get(i);
      Value g = ct[i];
      if (g == null || !depends[i] || v.inputs().isEmpty() || !v.dtype().isFloating()) continue;
      List<Value> gs = v.op().vjp(v, g);
      if (gs.size() != v.inputs().size()) {
        throw new IllegalStateException(v.op().name() + ": vjp returned " + gs.size() + " cotangents for "
            + v.inputs().size() + " inputs");
      }
      for (int k = 0; k < gs.size(); k++) {
        Value in = v.input(k);
        Value gk = gs.get(k);
        if (gk == null || !depends[in.id()] || !in.dtype().isFloating()) continue;
        if (!gk.type().equals(in.type())) {
          throw new IllegalStateException(v.op().name() + ": cotangent of input " + k + " has type " + gk.type()
              + ", expected " + in.type());
        }
        ct[in.id()] = ct[in.id()] == null ? gk : Ops.add(ct[in.id()], gk);
      }
    }
    List<Value> out = new ArrayList<>(wrt.size());
    for (Value w : wrt) {
      Value g = w.id() <= last ? ct[w.id()] : null;
      out.add(g != null ? g : Ops.zerosLike(w));
    }
    return out;
  }
}
