package dev.kiln.core.cpu;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Which float32 micro-kernel {@link Gemm} runs, with the packing and loop order that go with it. Each path is named
 * for the register file it is tuned for (AVX-512's 32 vector registers, or AVX2's 16) and runs correctly at any vector
 * width: the width is the species' ({@code kiln.gemm.vectorBits}), so a test can force every path on any machine. The
 * matrix-vector loop (n = 1) and the float64 loop are chosen per call by shape and type, not by the machine, and are
 * not paths. Figures behind each choice: docs/benchmarks.md, GEMM.
 */
enum GemmPath {
  /** {@link GemmKernels#microKernel}: A packed MR values per step of K (AVX-512 is bound by its FMAs, not by reads). */
  AVX512("avx512", false, false, false, 1024, 4096),
  /** {@link GemmKernels#microKernelRows}: A rows at unit stride, which alone fits AVX2's 16 registers; C kept in L2. */
  AVX2("avx2", true, false, true, 256, 1024),
  /** {@link GemmKernels#microKernelRowsChunked}: AVX2's kernel for JVMs that do not strip-mine loops. */
  AVX2_CHUNKED("avx2-chunked", true, true, true, 256, 1024);

  /** The name {@code -Dkiln.gemm.path} takes. */
  final String flagName;
  /**
   * Packed A panels hold each row as a contiguous run of K rather than MR values per step of K: the row kernels read
   * every A row at unit stride, which lets C2 hoist their bounds checks (docs/benchmarks.md, GEMM).
   */
  final boolean rowPanels;
  /**
   * K taken in chunks by the kernel where C2 does not strip-mine loops ({@link JitFlags#LOOP_STRIP_MINING}): only then
   * does it load the broadcasts two at a time and keep all 12 accumulators in registers (docs/benchmarks.md, GEMM).
   */
  final boolean kChunks;
  /**
   * With more than one K block, a block of C stays in L2 across the K blocks: an AVX2 tile is too short to hide C's
   * reloads from L3 (docs/benchmarks.md, GEMM).
   */
  final boolean cResident;
  /**
   * The K block for B of more than 64 columns. AVX-512's longer tile keeps a 1,024-step A panel and B panel moving
   * through L2, and C is then read and written once per 1,024 steps of K instead of per 256 (docs/benchmarks.md,
   * GEMM); AVX2's paths were tuned at 256.
   */
  final int kc;
  /**
   * The K block for a skinny B with A in place: the kernel streams one packed B panel (kcSkinny × NR floats) per tile,
   * which should stay in L2 (docs/benchmarks.md, GEMM).
   */
  final int kcSkinny;

  GemmPath(String flagName, boolean rowPanels, boolean kChunks, boolean cResident, int kc, int kcSkinny) {
    this.flagName = flagName;
    this.rowPanels = rowPanels;
    this.kChunks = kChunks;
    this.cResident = cResident;
    this.kc = kc;
    this.kcSkinny = kcSkinny;
  }

  /** In a packed A panel, the distance between consecutive steps of K of one row. */
  int panelStep() {
    return rowPanels ? 1 : GemmKernels.MR;
  }

  /** In a packed A panel of kc steps, the distance between consecutive rows. */
  int panelRow(int kc) {
    return rowPanels ? kc : 1;
  }

  /**
   * The path for {@code name} (a {@code -Dkiln.gemm.path} value), where {@code auto} is the machine's: the AVX-512
   * kernel from 16 floats a vector, else AVX2's, in chunks where C2 does not strip-mine loops. An unknown name is one
   * line naming the valid ones.
   */
  static GemmPath choose(String name, int lanes, boolean loopStripMining) {
    name = name.strip();
    if (name.equals("auto")) return lanes >= 16 ? AVX512 : loopStripMining ? AVX2 : AVX2_CHUNKED;
    for (GemmPath p : values()) {
      if (p.flagName.equals(name)) return p;
    }
    throw new IllegalArgumentException("kiln.gemm.path=" + name + " is not a GEMM path; valid: " + names());
  }

  /** Every value {@code -Dkiln.gemm.path} takes, {@code auto} first. */
  static String names() {
    return "auto, " + Arrays.stream(values()).map(p -> p.flagName).collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return flagName;
  }
}
