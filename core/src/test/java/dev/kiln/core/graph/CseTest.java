package dev.kiln.core.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.core.DType;
import dev.kiln.core.Rand;
import dev.kiln.core.Tensor;
import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.cpu.JavaBackend;
import dev.kiln.core.op.Convolution;
import dev.kiln.core.op.Ops;
import dev.kiln.core.op.Parameter;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Common-subexpression elimination merges what is the same computation (by content, not by instance: fresh arrays
 * of equal dimensions, nested records, equal constants) and nothing else (a sum and a max over the same axes, or
 * convolutions differing in one padding); the merged graph computes what a node-by-node run of the original does, bit
 * for bit.
 */
class CseTest {
  private static final Rand R = new Rand();

  @Test
  void mergesEqualComputationsOnlyAndKeepsTheFunction() {
    Tracer t = new Tracer();
    Value x = t.parameter("x", DType.F32, 6, 9, 4);
    Value w = t.parameter("w", DType.F32, 3, 4, 5);
    Value mean1 = Ops.mean(x, 0, 1), mean2 = Ops.mean(x, 0, 1); // each with its own divisor constant
    Value sum = Ops.sum(x, 0, 1); // the means' reduction
    Value max = Ops.reduceMax(x, 0, 1); // same dimensions, other kind: kept apart
    Convolution same = Convolution.of(new int[] {1}, new int[] {1}, new int[] {1}, Convolution.Dims.channelsLast(1));
    Convolution sameAgain = Convolution.of(new int[] {1}, new int[] {1}, new int[] {1}, Convolution.Dims.channelsLast(1));
    Convolution causal = Convolution.of(new int[] {1}, new int[] {2}, new int[] {0}, Convolution.Dims.channelsLast(1));
    Value c1 = Ops.convolution(x, w, same), c2 = Ops.convolution(x, w, sameAgain), c3 = Ops.convolution(x, w, causal);
    Graph g = t.build(mean1.add(mean2).add(sum).add(max), c1.add(c2).sub(c3));
    Graph s = Cse.apply(g);

    assertEquals(g.parameters().size(), s.parameters().size());
    assertEquals(g.outputNames(), s.outputNames());
    assertEquals(2, count(s, "reduce_sum") + count(s, "reduce_max"), "one sum and one max:\n" + s);
    assertEquals(3, count(g, "reduce_sum"));
    assertEquals(2, count(s, "convolution"), "'same' twice is one convolution; the causal one stays:\n" + s);
    assertEquals(count(g, "divide") - 1, count(s, "divide"), "the two means are one:\n" + s);

    Tensor xv = R.f32(-1, 1, 6, 9, 4), wv = R.f32(-1, 1, 3, 4, 5);
    List<Tensor> reference = nodeByNode(g, xv, wv);
    try (JavaBackend be = new JavaBackend(new CpuContext(2))) {
      List<Tensor> got = be.evaluate(g, xv, wv);
      for (int i = 0; i < reference.size(); i++) {
        assertArrayEquals(reference.get(i).floats(), got.get(i).floats(), "output " + i + R.tag());
      }
    }
  }

  private static long count(Graph g, String op) {
    return g.nodes().stream().filter(v -> v.op().name().equals(op)).count();
  }

  /** The original graph run one node at a time with the primitives' kernels: no plan, no fusion, no merging. */
  private static List<Tensor> nodeByNode(Graph g, Tensor... args) {
    Tensor[] vals = new Tensor[g.nodes().size()];
    try (CpuContext ctx = new CpuContext(2)) {
      for (int i = 0; i < vals.length; i++) {
        Value v = g.nodes().get(i);
        if (v.op() instanceof Parameter p) {
          vals[i] = args[p.index()];
          continue;
        }
        Tensor[] ins = v.inputs().stream().map(in -> vals[g.indexOf(in)]).toArray(Tensor[]::new);
        vals[i] = v.op().eval(ctx, ins, v.type());
      }
    }
    return g.outputs().stream().map(o -> vals[g.indexOf(o)]).toList();
  }
}
