package dev.kiln.ops.infer;

import dev.kiln.core.Tensor;
import dev.kiln.core.cpu.RowGemm;
import dev.kiln.ops.Model;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * A model compiled for one sample (a row, or one window) on the Java backend's kernels: batch normalization and
 * normalization folded into the neighbouring weights at load time ({@link RowPlanner}), every linear layer's weights
 * packed once ({@link RowGemm}), every node's floats allocated once, and a run that is a fixed list of steps on the
 * calling thread: no graph, no allocation, no hand-off. Its answers equal the training graph's inference mode
 * within float rounding (the folds reorder a few operations).
 *
 * <p>Use: write the sample into {@link #input()} at {@link #inputOffset()}, {@link #run()} (or {@link #slide()} when
 * the window moved on by one row), read {@link #output()}. Not thread-safe.
 */
public final class RowPlan implements AutoCloseable {
  private final PlanNode input;
  private final RowOp.Slice output;
  private final List<Runnable> steps;
  /** The steps when the window slides by one row ({@link Slides}), or null for a model that takes rows. */
  private final List<Runnable> slides;
  private final List<String> labels;
  private final int graphSteps;
  private final List<AutoCloseable> owned;

  private RowPlan(RowPlanner p, List<AutoCloseable> owned) {
    this.owned = owned;
    this.input = p.input;
    place(p.nodes);
    this.steps = new ArrayList<>();
    this.labels = new ArrayList<>();
    for (PlanNode n : p.nodes) {
      if (n == p.input) continue;
      steps.add(RowSteps.of(n));
      labels.add(n.label + " (" + kind(n.op) + ")");
    }
    this.output = p.output.slice();
    this.slides = Slides.of(p);
    this.graphSteps = (int) p.nodes.stream().filter(n -> n.op instanceof GraphKernel).count();
  }

  /** Compiles {@code model} with the variables' values by name (they are copied; later changes are not seen). */
  public static RowPlan compile(Model model, Map<String, Tensor> variables) {
    List<AutoCloseable> owned = new ArrayList<>();
    try {
      RowPlanner p = new RowPlanner(model, name -> {
        Tensor t = variables.get(name);
        if (t == null) throw new IllegalArgumentException("no value for variable '" + name + "'");
        return t.floats().clone();
      }, owned).rewrite();
      return new RowPlan(p, owned);
    } catch (RuntimeException e) {
      closeAll(owned);
      throw e;
    }
  }

  /** Gives each node its array, with the zero rows its padded readers need around the data. */
  private static void place(List<PlanNode> nodes) {
    for (PlanNode n : nodes) {
      for (PlanNode c : n.out) {
        if (c.op instanceof RowOp.Linear l) {
          n.padBefore = Math.max(n.padBefore, l.padBefore() * l.in());
          n.padAfter = Math.max(n.padAfter, l.padAfter() * l.in());
        }
      }
    }
    for (PlanNode n : nodes) {
      n.array = new float[n.padBefore + n.size + n.padAfter];
      n.offset = n.padBefore;
    }
  }

  private static String kind(RowOp op) {
    return switch (op) {
      case RowOp.Linear l -> l.taps() == 1 && l.padBefore() == 0 ? "dense" : "conv";
      case RowOp.Affine a -> "affine";
      case RowOp.Activation a -> "activation";
      case RowOp.Merge m -> m.product() ? "product" : "sum";
      case RowOp.Identity i -> "copy";
      case GraphKernel g -> "graph";
      case RowOp.Kernel k -> "kernel";
    };
  }

  /** The array a sample is written into, at {@link #inputOffset()}, row-major in the model's input shape. */
  public float[] input() {
    return input.array;
  }

  public int inputOffset() {
    return input.offset;
  }

  /** Runs the steps; {@link #output()} then holds the model's output until the next run. */
  public RowOp.Slice run() {
    for (Runnable s : steps) s.run();
    return output;
  }

  /**
   * As {@link #run} for a window that is the last one run without its first row and with a new last row (the same
   * answer, bit for bit); only the rows that changed are computed. Whether the window did slide is the caller's to
   * know: after any other change of the input, {@link #run} it whole.
   */
  public RowOp.Slice slide() {
    if (slides == null) return run();
    for (Runnable s : slides) s.run();
    return output;
  }

  /** Steps a slide runs, against {@link #describe}'s for a whole run (the same for a model that takes rows). */
  public int slideSteps() {
    return slides == null ? steps.size() : slides.size();
  }

  public RowOp.Slice output() {
    return output;
  }

  /** The steps, one line each: the layers folded into it and its kind. */
  public List<String> describe() {
    return List.copyOf(labels);
  }

  /** How many layers run as their own graph (no row form): 0 for a plan with nothing interpreted. */
  public int graphSteps() {
    return graphSteps;
  }

  @Override
  public String toString() {
    StringJoiner j = new StringJoiner("; ");
    labels.forEach(j::add);
    return j.toString();
  }

  @Override
  public void close() {
    closeAll(owned);
  }

  private static void closeAll(List<AutoCloseable> owned) {
    for (AutoCloseable c : owned) {
      try {
        c.close();
      } catch (Exception e) {
        throw new IllegalStateException("closing a plan's graph step: " + e.getMessage(), e);
      }
    }
  }
}
