package dev.kiln.train;

import dev.kiln.ops.Model;
import dev.kiln.ops.Variable;

/**
 * A rough lower bound on the Java heap a training run takes, checked before anything large is allocated, so a model
 * too big for the machine is refused with the figures instead of failing deep inside with the heap exhausted. The
 * host always holds the parameters and the optimizer's momenta (initial state, checkpoints); the Java backend also
 * holds the gradients and every layer's activations for the batch, with their gradients.
 */
final class MemoryEstimate {
  private MemoryEstimate() {}

  /** Bytes the run needs at least: float32 parameters, momenta, and on the Java backend gradients and activations. */
  static long bytes(Model model, int batchSize, boolean onHeapBackend) {
    long params = 0, trainable = 0;
    for (Variable v : model.variables()) {
      params += v.size();
      if (v.trainable()) trainable += v.size();
    }
    long floats = params + trainable;
    if (onHeapBackend) {
      long perSample = 0;
      for (Model.Node n : model.nodes()) {
        long size = 1;
        for (int d : n.shape()) size = saturatingMul(size, d);
        perSample = saturatingAdd(perSample, size);
      }
      floats = saturatingAdd(floats + trainable, saturatingMul(saturatingMul(2, perSample), batchSize));
    }
    return saturatingMul(floats, 4);
  }

  /** Fails with one line naming the estimate and the heap's limit when the run cannot fit. */
  static void check(Model model, int batchSize, String backend) {
    boolean onHeap = backend.equals("java");
    long need = bytes(model, batchSize, onHeap);
    long max = Runtime.getRuntime().maxMemory();
    if (need > max) {
      long[] c = model.parameterCounts();
      throw new IllegalArgumentException(String.format("the model needs at least %s of memory (%,d parameters and "
          + "the optimizer's state%s), more than the %s the Java heap may use; train a smaller model%s, or raise "
          + "the heap with KILN_JAVA_OPTS=-Xmx<size>", gib(need), c[0],
          onHeap ? ", and activations for a batch of " + batchSize : "", gib(max), onHeap ? " or batch" : ""));
    }
  }

  static String gib(long bytes) {
    return String.format("%.1f GiB", bytes / (double) (1L << 30));
  }

  private static long saturatingMul(long a, long b) {
    return Math.multiplyHigh(a, b) != 0 || a * b < 0 ? Long.MAX_VALUE : a * b;
  }

  private static long saturatingAdd(long a, long b) {
    long r = a + b;
    return r < 0 ? Long.MAX_VALUE : r;
  }
}
