package dev.kiln.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.cpu.GemmCheck.Layout;
import dev.kiln.core.cpu.GemmCheck.Problem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Every GEMM path forced through {@link GemmCheck}, whatever this JVM's own path (each of core's three test runs
 * repeats this at its vector width): against a float64 loop, against each other, and the matrix-vector loop against
 * each kernel, on odd sizes with A and B row-major, transposed, and A as overlapping windows.
 */
class GemmPathTest {
  /**
   * m × n × k: a single element; tiles and vectors cut at odd places; n = 1 (the matrix-vector loop, or the kernel for
   * windows); k = 1; n > 64 over several K blocks (AVX2's C-resident order, with two column slabs at 256 bits), and
   * over several of AVX-512's longer blocks; a skinny B over K = 1,300, whose K blocks differ between AVX-512's path
   * and AVX2's with A in place; more columns than one slab of the K-outer order.
   */
  private static final int[][] SIZES = {{1, 1, 1}, {7, 5, 3}, {97, 131, 33}, {13, 1, 300}, {130, 17, 1},
      {37, 70, 257}, {20, 300, 600}, {19, 70, 2100}, {50, 64, 1300}, {7, 1030, 20}, {6, 33, 17}};

  private static List<Problem> problems() {
    List<Problem> out = new ArrayList<>();
    long seed = 1;
    for (int[] s : SIZES) {
      for (Layout layout : Layout.values()) out.add(new Problem(s[0], s[1], s[2], layout, seed++));
    }
    return out;
  }

  @Test
  void everyPathMatchesFloat64() {
    try (CpuContext ctx = new CpuContext(2)) {
      for (GemmPath path : GemmPath.values()) {
        for (Problem p : problems()) GemmCheck.againstFloat64(ctx, p, path);
      }
    }
  }

  /** Bit for bit where the K blocks are the same; the sizes include both kinds (counted, so neither goes untried). */
  @Test
  void pathsAgreeWithEachOther() {
    int identical = 0, close = 0;
    try (CpuContext one = new CpuContext(1); CpuContext three = new CpuContext(3)) {
      GemmPath[] paths = GemmPath.values();
      for (Problem p : problems()) {
        for (int x = 0; x < paths.length; x++) {
          for (int y = x + 1; y < paths.length; y++) {
            if (p.n() == 1 && p.layout() != Layout.A_WINDOWS) continue; // the same loop on every path
            boolean bits = GemmCheck.paths((x + y) % 2 == 0 ? one : three, p, paths[x], paths[y]);
            if (bits) identical++;
            else close++;
          }
        }
      }
    }
    assertTrue(identical > 0 && close > 0, identical + " bit-identical pairs, " + close + " within the bound");
  }

  @Test
  void matrixVectorLoopAgreesWithEveryKernel() {
    try (CpuContext ctx = new CpuContext(2)) {
      for (GemmPath path : GemmPath.values()) {
        for (Layout layout : new Layout[] {Layout.ROW_MAJOR, Layout.A_TRANSPOSED, Layout.B_TRANSPOSED}) {
          for (int[] s : new int[][] {{1, 1}, {145, 9}, {300, 1283}, {33, 7}}) {
            GemmCheck.matrixVector(ctx, new Problem(s[0], 1, s[1], layout, s[0] + s[1]), path);
          }
        }
      }
    }
  }

  /** The same inputs on one thread and on three: row blocks change, each element's operations do not. */
  @Test
  void threadsDoNotChangeTheBits() {
    try (CpuContext one = new CpuContext(1); CpuContext three = new CpuContext(3)) {
      for (GemmPath path : GemmPath.values()) {
        for (Problem p : problems()) {
          float[] x = GemmCheck.run(one, p, path, false), y = GemmCheck.run(three, p, path, false);
          for (int i = 0; i < x.length; i++) {
            assertEquals(Float.floatToRawIntBits(x[i]), Float.floatToRawIntBits(y[i]), path + " " + p + " at " + i);
          }
        }
      }
    }
  }

  /** The comparison itself: one ulp fails a bit-for-bit check, a difference past the bound fails the other. */
  @Test
  void checkCatchesADifference() {
    Problem p = new Problem(7, 5, 300, Layout.ROW_MAJOR, 9);
    try (CpuContext ctx = new CpuContext(1)) {
      float[] good = GemmCheck.run(ctx, p, GemmPath.AVX2, false), bad = good.clone();
      bad[17] = Math.nextUp(bad[17]);
      GemmCheck.compare(p, good, bad, false, "one ulp within the bound");
      assertThrows(IllegalStateException.class, () -> GemmCheck.compare(p, good, bad, true, "one ulp"));
      bad[17] = good[17] + 0.01f;
      assertThrows(IllegalStateException.class, () -> GemmCheck.compare(p, good, bad, false, "0.01 off"));
    }
  }

  /** Prints the path {@link Gemm} took in this JVM. */
  public static final class Probe {
    public static void main(String[] args) {
      System.out.println("path=" + Gemm.PATH);
    }
  }

  /** {@code -Dkiln.gemm.path} reaches {@link Gemm#PATH} in a fresh JVM; a bad name stops it with its one line. */
  @Test
  void theFlagSetsThePath() throws Exception {
    assertEquals("path=avx2-chunked", probe("-Dkiln.gemm.path=avx2-chunked"));
    assertEquals("path=avx512", probe("-Dkiln.gemm.vectorBits=256", "-Dkiln.gemm.path=avx512"));
    assertTrue(probe("-Dkiln.gemm.path=fast").contains(
        "kiln.gemm.path=fast is not a GEMM path; valid: auto, avx512, avx2, avx2-chunked"));
  }

  private static String probe(String... jvmArgs) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector"));
    cmd.addAll(List.of(jvmArgs));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Probe.class.getName()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd) + " did not finish");
    return out.lines().filter(l -> !l.startsWith("WARNING: Using incubator")).reduce((a, b) -> a + "\n" + b)
        .orElse("");
  }

  @Test
  void autoChoosesFromVectorWidthAndLoopStripMining() {
    assertEquals(GemmPath.AVX512, GemmPath.choose("auto", 16, true));
    assertEquals(GemmPath.AVX512, GemmPath.choose("auto", 16, false));
    assertEquals(GemmPath.AVX2, GemmPath.choose("auto", 8, true));
    assertEquals(GemmPath.AVX2_CHUNKED, GemmPath.choose("auto", 8, false));
    assertEquals(GemmPath.AVX2, GemmPath.choose("auto", 4, true));
  }

  /** A named path is taken at any vector width (every path runs at every width); an unknown name is one clear line. */
  @Test
  void namedPathsOverrideAndUnknownNamesAreRejected() {
    for (GemmPath p : GemmPath.values()) {
      assertEquals(p, GemmPath.choose(p.flagName, 8, true));
      assertEquals(p, GemmPath.choose(" " + p.flagName + " ", 16, false));
    }
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> GemmPath.choose("avx3", 16, true));
    assertEquals("kiln.gemm.path=avx3 is not a GEMM path; valid: auto, avx512, avx2, avx2-chunked", e.getMessage());
  }
}
