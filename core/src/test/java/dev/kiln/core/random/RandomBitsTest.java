package dev.kiln.core.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.cpu.JavaBackend;
import dev.kiln.core.graph.Tracer;
import dev.kiln.core.graph.Value;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fused word draw is the composite it stands for, word for word, on the Java backend: sizes odd and even, below
 * a vector, at and beside whole vectors, and across the parallel loop's chunks.
 */
class RandomBitsTest {
  @Test
  void fusedWordsAreTheCompositesWords() {
    int lanes = Threefry.LANES.length();
    int[][] shapes = {{1}, {2}, {3, 7}, {2 * lanes}, {2 * lanes + 1}, {2 * lanes - 1}, {4 * lanes + 2}, {64, 33},
        {4096, 3}, {40_001}, {999, 131}};
    try (JavaBackend be = new JavaBackend()) {
      for (int[] shape : shapes) {
        for (int counter : new int[] {0, 1, 77, -5}) {
          Tracer t = new Tracer();
          Value key = t.parameter("key", DType.U32, 2), c = t.parameter("counter", DType.U32);
          List<Tensor> out = be.evaluate(t.build(Threefry.bits(key, c, shape), Threefry.bitsComposite(key, c, shape)),
              Tensor.ofUnsigned(new int[] {0x12345678, (int) 0x9abcdef0L}, 2),
              Tensor.ofUnsigned(new int[] {counter}, new int[0]));
          assertArrayEquals(out.get(1).ints(), out.get(0).ints(), Arrays.toString(shape) + " counter " + counter);
        }
      }
    }
  }
}
