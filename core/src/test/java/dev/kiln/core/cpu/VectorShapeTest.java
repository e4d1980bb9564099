package dev.kiln.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * Which vector shape the kernels ran with: the build runs the kernel tests with this CPU's widest vectors, again
 * held to 256 bits (kiln.test.vectorBits=256, AVX2's shape), and the GEMM's tests a third time with the GEMM forced
 * to 512 bits (kiln.gemm.vectorBits=512, AVX-512's shape); this proves each run really had its shape.
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

  /** The GEMM's own shape: forced by kiln.gemm.vectorBits (the build's third kernel run, 512), else the widest. */
  @Test
  void gemmRunsWithTheForcedVectorShape() {
    int forced = Integer.getInteger("kiln.gemm.vectorBits", -1);
    if (forced > 0) {
      assertEquals(forced, Gemm.S.vectorBitSize(), "GEMM float vector size");
      assertEquals(2 * forced / Float.SIZE, Gemm.NR, "GEMM tile columns (two vectors)");
    } else {
      assertEquals(FloatVector.SPECIES_PREFERRED, Gemm.S, "GEMM species");
    }
  }
}
