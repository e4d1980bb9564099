package dev.kiln.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * Which vector shape the kernels ran with: the build runs the kernel tests twice, once with this CPU's widest
 * vectors and once held to 256 bits (kiln.test.vectorBits=256, AVX2's shape), and this proves the second run really
 * had that shape.
 */
class VectorShapeTest {
  @Test
  void kernelsRunWithTheExpectedVectorShape() {
    int bits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
    int expected = Integer.getInteger("kiln.test.vectorBits", -1);
    if (expected > 0) {
      assertEquals(expected, bits, "preferred float vector size");
    } else {
      assertTrue(bits >= 128, "preferred float vector size " + bits);
    }
  }
}
