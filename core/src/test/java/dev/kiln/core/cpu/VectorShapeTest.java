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
      assertEquals(forced, GemmKernels.S.vectorBitSize(), "GEMM float vector size");
      assertEquals(2 * forced / Float.SIZE, GemmKernels.NR, "GEMM tile columns (two vectors)");
    } else {
      assertEquals(FloatVector.SPECIES_PREFERRED, GemmKernels.S, "GEMM species");
    }
  }

  /**
   * The GEMM's path in each of the build's runs, with no {@code kiln.gemm.path} set: the AVX-512 kernel where the GEMM
   * is forced to 512 bits, the chunked AVX2 kernel in the 256-bit run (the Serial collector: no loop strip mining),
   * and in the default run the one for this CPU's widest vectors (AVX2's under G1, the JVM's usual collector).
   */
  @Test
  void gemmTakesTheMachinesPath() {
    assertEquals(null, System.getProperty("kiln.gemm.path"), "the build forces no GEMM path");
    GemmPath expected;
    if (Integer.getInteger("kiln.gemm.vectorBits", -1) == 512) {
      expected = GemmPath.AVX512;
    } else if (Integer.getInteger("kiln.test.vectorBits", -1) == 256) {
      expected = GemmPath.AVX2_CHUNKED;
    } else {
      boolean stripMining = JitFlags.LOOP_STRIP_MINING;
      expected = GemmKernels.L >= 16 ? GemmPath.AVX512 : stripMining ? GemmPath.AVX2 : GemmPath.AVX2_CHUNKED;
    }
    assertEquals(expected, Gemm.PATH, "GEMM path");
  }
}
