package dev.kiln.core.cpu;

import dev.kiln.core.Flags;
import dev.kiln.core.DType;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dense matrix multiply C = A·B, the engine under convolution and dot_general on the Java backend.
 *
 * <p>Float32 follows the Goto/BLIS scheme: B is packed in panels of {@link #NR} columns (KC × NC blocks that stay in
 * L2), A in panels of {@link #MR} rows, and a register-blocked micro-kernel of MR × NR accumulators (two vectors of
 * the widest species per row) runs the inner loop with fused multiply-adds. Row blocks of A are spread over the
 * context's threads. With AVX2's kernel and a long K, the loops are ordered so that a block of C stays in L2
 * across the K blocks ({@link #C_RESIDENT}). Float64 (used for reference and gradient checks, not for speed) takes a
 * plain blocked loop.
 *
 * <p>Matrices are given as (array, offset, row stride, column stride), so a transposed operand needs no copy.
 */
public final class Gemm {
  /**
   * The widest float vectors, or those of {@code -Dkiln.gemm.vectorBits=N}: the build sets 512 on any CPU so that the
   * AVX-512 tile and blocking stay correct under test on AVX2-only machines too (the Vector API then runs 512-bit
   * vectors in plain Java: correct and slow, for tests only).
   */
  static final VectorSpecies<Float> S = species(Flags.GEMM_VECTOR_BITS.intValue());
  private static final int L = S.length();
  /**
   * Rows of the micro-kernel tile, on every vector width. AVX-512 has 32 registers for the 12 accumulators. On AVX2's
   * 16, 12 accumulators, two B vectors and two broadcasts fill every register, and fit only as the row-panel kernel
   * ({@link #microKernelRows}) compiles: each A row at unit stride needs its own address step, and JDK 25's C2 then
   * loads the broadcasts two at a time (disassembly under -XX:UseAVX=2 with G1: all 16 ymm registers, no stack access
   * in the loop; without loop strip mining see {@link #K_CHUNKS}). The 6-row kernel with a panel step ({@link
   * #microKernel}) kept one accumulator on the stack there (49 GFLOP/s in L1 against AVX-512's 114), and so did row
   * panels read at constant offsets of one index (C2 loads all the broadcasts first: 17 registers). Against AVX2's
   * former 5-row tile, one JVM alternating both per call on a Zen 4 under -XX:UseAVX=2 (medians of 5-7 rounds),
   * bit-identical results: 1024³ 1.049× (1 thread) and 1.041× (2), the seed's im2col shape (81920×650×64) 1.042× and
   * 1.055×, a kernel gradient's shape (650×81920×64) 1.029×. The 5-row tile had in turn beaten 4 rows (1.02-1.08×),
   * whose 8 FMAs in flight are only just what two FMA pipes of latency 4 need; 4 × 24 spilled, and 3 × 24 and 2 × 32
   * ran no faster in L1.
   */
  static final int MR = 6;
  /** Vectors of 8 or fewer floats: an AVX2-class register file of 16, which sets the flags below. */
  private static final boolean NARROW = L < 16;
  /**
   * Packed A panels hold each row as a contiguous run of K (for the AVX2 kernel) rather than MR values per step of K
   * (for the AVX-512 one). The AVX2 kernel reads every A row at unit stride, which lets C2 hoist its bounds checks
   * (with a variable stride it checked every read at every step: on AVX2 as many scalar instructions as FMAs); the
   * AVX-512 kernel is bound by its FMAs, and ran 10-20% slower with row-contiguous panels.
   */
  private static final boolean ROW_PANELS = NARROW;
  /**
   * Whether the AVX2 kernel takes K in chunks ({@link #microKernelRowsChunked}): where C2 does not strip-mine loops
   * ({@link JitFlags#LOOP_STRIP_MINING}: off with the Serial and Parallel collectors). With 12 accumulators, two B
   * vectors and two broadcasts the kernel needs all 16 registers, which it gets only if C2 loads the broadcasts two at
   * a time; which order C2 picks follows the loop's shape. The plain loop compiles so where C2 strip-mines it (G1, the
   * default; ZGC), and loads all six broadcasts first where it does not: five accumulators then live on the stack and
   * 1024³ ran at 38-43 GFLOP/s against 75-98 (Zen 4, -XX:UseAVX=2, one thread, one-second windows; 2048×512×2048 and
   * 81920×650×64 alike). The chunked loop is the mirror image: 75-91 under Serial and Parallel, 40-47 under G1 and ZGC.
   * 4 rows (14 registers at most, in any order) ran 65-92 under Serial, within the noise of the chunked 6 rows.
   */
  private static final boolean K_CHUNKS = NARROW && !JitFlags.LOOP_STRIP_MINING;
  /** In a packed A panel, the distance between consecutive steps of K of one row (see {@link #ROW_PANELS}). */
  private static final int PANEL_STEP = ROW_PANELS ? 1 : MR;
  /** Columns of the micro-kernel tile: two vectors. */
  static final int NR = 2 * L;
  private static final int KC = 256;
  /**
   * Steps of K per chunk in {@link #microKernelRowsChunked}: KC, so a packed block is one chunk (16 ran at 44-74
   * GFLOP/s, 64 and 256 alike at 62-91).
   */
  private static final int K_CHUNK = KC;
  /**
   * The K block for a skinny B with A in place. Larger blocks mean fewer serial packing steps and parallel joins, but
   * the micro-kernel streams one packed B panel (KC × NR floats) per tile, which should stay in L2. With AVX-512's 6 ×
   * 32 tile, 4,096 rows make a 512 KiB panel, half of the 1 MiB L2 of the Zen 4 and Zen 5 machines. On a Zen 5, whose
   * FMAs take a whole 512-bit vector per cycle and so need twice a Zen 4's bandwidth, the kernel gradient's GEMM (650 ×
   * 64 × K, A rows in place, two threads, both builds alternating in one JVM) ran 1.2-1.37× faster with 4,096 than with
   * the former 16,384 (a 2 MiB panel, streamed from L3) at K = 12,283 (batch 512, two runs) and 1.24× at K = 98,299
   * (batch 4096); 2,048 was within 3% of 4,096 and 8,192 1.12-1.35× slower. In the seed's step at batch 4096
   * (KILN_PROFILE, two pairs of runs) the kernel gradients' op time fell 1.15-1.17×. On the Zen 4, 16,384 had measured
   * 4% faster than 2,048 at batch 512 (4,096 has not run there). With AVX2's tile (then 4 × 16; a Zen 3, 512 KiB of L2)
   * a B panel of 16,384 rows (1 MiB) streamed from L3 for every tile: 1,024 rows ran that GEMM 1.27× faster at K =
   * 98,304 and 1.14× at K = 12,288; 256, 512, 2,048 and 4,096 were between the two.
   */
  private static final int KC_SKINNY = NARROW ? 1024 : 4096;
  /**
   * B is skinny up to the convolutions' 64 filters, on every vector width: with AVX2's 16-wide panels the rule used to
   * be two panels (N ≤ 32), which left the seed's N = 64 in 256-row K blocks, one parallel join each.
   */
  private static final int SKINNY_N = 64;
  private static final int MC = MR * 24;
  private static final int NC = NR * 64;
  /**
   * With the AVX2 kernel and more than one K block, C stays in L2: each block of {@link #MC_RESIDENT} rows × {@link
   * #NC_RESIDENT} columns (96 KB) takes every K block before the next is started, against B packed for all of K. In the
   * K-blocks-outermost order each K block re-read all of C, mostly from L3 or memory, at the end of each tile; an AVX2
   * tile (then 4 × 16) is only ~1,000 cycles of FMAs, too short to hide that, and Java has no prefetch. On a Zen 3
   * (AVX2), against the old order, interleaved in one JVM (with B's row-order packing, which alone gave 1.08×): 1024³
   * 1.43× faster on one thread and 1.32× on two, 2048×512×2048 1.42×; blocks of 32-128 rows, 128-512 columns and K
   * blocks of 256-512 measured within 4% of these. With a single K block C is written once either way, and the old
   * order was faster there (10240×650×64, a convolution's data gradient: 0.85×), so it keeps it. The AVX-512 kernel
   * keeps the old order too: its tile is three times longer per K step, and the new order has not been measured
   * on AVX-512.
   *
   * <p>What this order still loses, 1024³ on a Zen 4 under -XX:UseAVX=2 (one JVM, variants alternating, the median of
   * 15 paired rounds, two runs): a row block's tiles run at 0.80-0.81 of their speed with A and B in L2 when both come
   * from L3, at 0.84-0.90 when only B's 256 KB K block does, at 0.95-0.98 when only A does; packing A first (a
   * copy read at unit stride) ran at 0.88-1.00 there. Tiles outer of panels, slabs of 64 or 128 columns, blocks of
   * 48 or 192 rows, and K blocks in reverse on every other row block (to start on the B block just used) ran at
   * 0.90-1.02 of these blocks. OpenBLAS hides such streams with prefetch instructions, which Java does not have.
   */
  private static final boolean C_RESIDENT = NARROW;
  private static final int MC_RESIDENT = MR * 16;
  private static final int NC_RESIDENT = NR * 16;

  private static final ThreadLocal<float[]> A_PACK = ThreadLocal.withInitial(() -> new float[MC * KC]);
  private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[MR * NR]);

  private Gemm() {}

  private static VectorSpecies<Float> species(int bits) {
    return bits > 0 ? VectorSpecies.of(float.class, VectorShape.forBitSize(bits)) : FloatVector.SPECIES_PREFERRED;
  }

  /** A strided view of a matrix: element (i, j) is {@code data[off + i*rs + j*cs]}. */
  public record F32(float[] data, int off, int rs, int cs) {
    public static F32 rowMajor(float[] data, int off, int cols) {
      return new F32(data, off, cols, 1);
    }
  }

  /** Strided view of a float64 matrix, as {@link F32}. */
  public record F64(double[] data, int off, int rs, int cs) {
    public static F64 rowMajor(double[] data, int off, int cols) {
      return new F64(data, off, cols, 1);
    }
  }

  /**
   * C[m×n] = A[m×k]·B[k×n], overwriting C (row-major with leading dimension {@code ldc} from {@code cOff}).
   */
  public static void sgemm(CpuContext ctx, int m, int n, int k, F32 a, F32 b, float[] c, int cOff, int ldc) {
    sgemm(ctx, m, n, k, a, null, b, c, cOff, ldc);
  }

  /**
   * C[m×n] = A[m×k]·B[k×n] where row i of A is the k consecutive floats {@code a[rowStart[i]...]}. Rows may overlap:
   * a convolution's windows over its (padded) input are A's rows in place, with no im2col copy.
   */
  public static void sgemmRows(CpuContext ctx, int m, int n, int k, float[] a, int[] rowStart, F32 b, float[] c,
      int cOff, int ldc) {
    sgemm(ctx, m, n, k, new F32(a, 0, 0, 1), rowStart, b, c, cOff, ldc);
  }

  /** {@link #sgemm}, with A's rows at {@code rowStart} when that is not null (A's offset and row stride unused). */
  private static void sgemm(CpuContext ctx, int m, int n, int k, F32 a, int[] rowStart, F32 b, float[] c, int cOff,
      int ldc) {
    if (m == 0 || n == 0 || k == 0) {
      for (int i = 0; i < m; i++) Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
      return;
    }
    // A matrix-vector product (a Dense layer with one unit): the micro-kernel's NR-wide panels of B would be all
    // padding, so it takes its own loop (the seed's [4096, 1280]·[1280, 1]: 22 → 7 ms per call, KILN_PROFILE).
    if (n == 1 && rowStart == null) {
      gemv(ctx, m, k, a, b, c, cOff, ldc);
      return;
    }
    // Rows of A that are contiguous are read in place: with few columns of B, packing A would cost as much as the
    // multiply itself.
    boolean directA = a.cs() == 1;
    // (B packed for all of K per slab: up to 64 MB, beyond which the other order takes it.)
    if (C_RESIDENT && n > SKINNY_N && k > KC && (long) k * NC_RESIDENT <= 1 << 24) {
      sgemmResidentC(ctx, m, n, k, a, rowStart, b, c, cOff, ldc, directA);
      return;
    }
    // A skinny B (the convolutions' N = 64 filters): take a long K in large blocks, so C is written once per block
    // and the row blocks join once per block (2,048 where A is packed, which bounds the packed block).
    int kcMax = n <= SKINNY_N ? Math.min(k, directA ? KC_SKINNY : 2048) : KC;
    int ncMax = Math.min(NC, roundUp(n, NR));
    float[] bPack = (float[]) Arena.uninitialized(DType.F32, kcMax * ncMax);
    for (int jc = 0; jc < n; jc += NC) {
      int nc = Math.min(NC, n - jc);
      for (int pc = 0; pc < k; pc += kcMax) {
        int kc = Math.min(kcMax, k - pc);
        int fjc0 = jc, fpc0 = pc;
        packPanels(ctx, (long) kc * nc, (nc + NR - 1) / NR, (s, e) -> packB(b, fpc0, kc, fjc0, nc, s, e, bPack, 0));
        int mcBlock = rowBlock(m, ctx.parallelism());
        int mBlocks = (m + mcBlock - 1) / mcBlock;
        final int fjc = jc, fpc = pc;
        ctx.parallelFor(mBlocks, 1, (s, e) -> {
          float[] aPack = packBuffer(directA ? MR * kc : mcBlock * kc);
          for (int blk = s; blk < e; blk++) {
            int ic = blk * mcBlock;
            int mc = Math.min(mcBlock, m - ic);
            // C starts at zero: each block's rows are cleared by the thread that computes them, just before.
            if (fpc == 0) {
              for (int i = ic; i < ic + mc; i++) Arrays.fill(c, cOff + i * ldc + fjc, cOff + i * ldc + fjc + nc, 0f);
            }
            multiplyRowBlock(directA, mc, nc, kc, a, rowStart, ic, fpc, aPack, bPack, 0, c, cOff + ic * ldc + fjc, ldc);
          }
        });
      }
    }
    Arena.scratchDone(bPack);
  }

  /**
   * {@link #sgemm} in the C-resident order (see {@link #C_RESIDENT}): for each slab of columns, B is packed for all
   * of K, then each block of rows runs every K block in turn. The K blocks and their order are the same as in the
   * other order, so the results are bit-identical.
   */
  private static void sgemmResidentC(CpuContext ctx, int m, int n, int k, F32 a, int[] rowStart, F32 b, float[] c,
      int cOff, int ldc, boolean directA) {
    int ncMax = Math.min(NC_RESIDENT, roundUp(n, NR));
    float[] bPack = (float[]) Arena.uninitialized(DType.F32, k * ncMax);
    // Up to MC_RESIDENT rows a block, and as many blocks as a multiple of the threads, so that they end together
    // (1024 rows in blocks of 80 made 13 blocks, 7 and 6 on two threads).
    int threads = ctx.parallelism();
    int mBlocks = roundUp((m + MC_RESIDENT - 1) / MC_RESIDENT, threads);
    int mcBlock = roundUp((m + mBlocks - 1) / mBlocks, MR);
    mBlocks = (m + mcBlock - 1) / mcBlock;
    for (int jc = 0; jc < n; jc += NC_RESIDENT) {
      int nc = Math.min(NC_RESIDENT, n - jc), panels = (nc + NR - 1) / NR, fjc = jc;
      // K block pc's panels start at pc·panels·NR: the blocks before it hold pc rows of panels·NR floats.
      packPanels(ctx, (long) k * nc, panels, (s, e) -> {
        for (int pc = 0; pc < k; pc += KC) packB(b, pc, Math.min(KC, k - pc), fjc, nc, s, e, bPack, pc * panels * NR);
      });
      ctx.parallelFor(mBlocks, 1, (s, e) -> {
        float[] aPack = packBuffer(directA ? MR * KC : mcBlock * KC);
        for (int blk = s; blk < e; blk++) {
          int ic = blk * mcBlock, mc = Math.min(mcBlock, m - ic), cBlock = cOff + ic * ldc + fjc;
          for (int i = 0; i < mc; i++) Arrays.fill(c, cBlock + i * ldc, cBlock + i * ldc + nc, 0f);
          for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc), bBase = pc * panels * NR;
            multiplyRowBlock(directA, mc, nc, kc, a, rowStart, ic, pc, aPack, bPack, bBase, c, cBlock, ldc);
          }
        }
      });
    }
    Arena.scratchDone(bPack);
  }

  /**
   * Runs a packing of B's panels [0, panels) that copies {@code floats} floats: split over the threads from 64K
   * floats (a long K, the kernel gradients' R rows of dy, made a serial copy a visible share of the GEMM on two
   * threads), inline below.
   */
  private static void packPanels(CpuContext ctx, long floats, int panels, CpuContext.RangeBody pack) {
    if (floats >= 1 << 16) {
      ctx.parallelFor(panels, 1, pack);
    } else {
      pack.run(0, panels);
    }
  }

  /** C[m×1] = A·b: one dot product per row, in vector lanes where A's rows and b are contiguous. */
  private static void gemv(CpuContext ctx, int m, int k, F32 a, F32 b, float[] c, int cOff, int ldc) {
    float[] bv = new float[k];
    for (int p = 0; p < k; p++) bv[p] = b.data()[b.off() + p * b.rs()];
    float[] ad = a.data();
    ctx.parallelFor(m, Math.max(1, 16384 / Math.max(1, k)), (s, e) -> {
      float[] row = a.cs() == 1 ? null : new float[k], lanes = new float[L];
      for (int i = s; i < e; i++) {
        float[] x = ad;
        int xo = a.off() + i * a.rs();
        if (row != null) {
          for (int p = 0; p < k; p++) row[p] = ad[xo + p * a.cs()];
          x = row;
          xo = 0;
        }
        FloatVector acc = FloatVector.zero(S);
        int p = 0;
        for (int end = S.loopBound(k); p < end; p += L) {
          acc = FloatVector.fromArray(S, x, xo + p).fma(FloatVector.fromArray(S, bv, p), acc);
        }
        // The lanes are summed in a fixed order: reduceLanes(ADD) leaves the order to the JIT, and results must not
        // depend on whether the loop was compiled yet (an exact resume compares every float).
        acc.intoArray(lanes, 0);
        float sum = 0f;
        for (float v : lanes) sum += v;
        for (; p < k; p++) sum += x[xo + p] * bv[p];
        c[cOff + i * ldc] = sum;
      }
    });
  }

  /**
   * Rows of A per parallel block: {@link #MC}, unless that leaves too few blocks to share evenly among the threads,
   * four or fewer each (the convolutions' kernel gradients have m = 650 or 320: five or three blocks of 144 on two
   * threads, one of which did 3 of 5; 1024 rows made seven blocks of 144 and one of 16). Then the blocks are made
   * smaller, a multiple of MR, so their count is a multiple of the threads.
   */
  static int rowBlock(int m, int threads) {
    int blocks = (m + MC - 1) / MC;
    if (threads <= 1 || blocks > 4 * threads || m <= MR * threads) return MC;
    int even = (blocks + threads - 1) / threads * threads;
    return roundUp((m + even - 1) / even, MR);
  }

  private static float[] packBuffer(int size) {
    float[] p = A_PACK.get();
    if (p.length < size) {
      p = new float[size];
      A_PACK.set(p);
    }
    return p;
  }

  /** In a packed A panel of kc steps, the distance between consecutive rows (see {@link #ROW_PANELS}). */
  private static int panelRow(int kc) {
    return ROW_PANELS ? kc : 1;
  }

  private static int roundUp(int x, int m) {
    return (x + m - 1) / m * m;
  }

  /**
   * Packs panels [ps, pe) of B[pc:pc+kc, jc:jc+nc] into NR-wide column panels (panel q at out[ob + q·kc·NR]),
   * zero-padding the last panel. Full panels of a B with unit column stride are copied a row of B at a time, in
   * vector lanes: B is read in order, rather than a 64-byte piece of each of kc rows per panel (on a Zen 3, 1024³
   * with one K block per call: 1.08× faster in an interleaved run).
   */
  private static void packB(F32 b, int pc, int kc, int jc, int nc, int ps, int pe, float[] out, int ob) {
    float[] d = b.data();
    int rs = b.rs(), cs = b.cs();
    if (cs == 1) {
      int full = Math.min(pe, nc / NR);
      for (int p = 0; p < kc; p++) {
        int row = b.off() + (pc + p) * rs + jc;
        for (int q = ps; q < full; q++) {
          int src = row + q * NR, dst = ob + (q * kc + p) * NR;
          FloatVector.fromArray(S, d, src).intoArray(out, dst);
          FloatVector.fromArray(S, d, src + L).intoArray(out, dst + L);
        }
      }
      ps = Math.max(ps, full);
    }
    int o = ob + ps * kc * NR;
    for (int j0 = ps * NR; j0 < Math.min(nc, pe * NR); j0 += NR) {
      int w = Math.min(NR, nc - j0);
      for (int p = 0; p < kc; p++) {
        int base = b.off() + (pc + p) * rs + (jc + j0) * cs;
        if (cs == 1) {
          System.arraycopy(d, base, out, o, w);
        } else {
          for (int j = 0; j < w; j++) out[o + j] = d[base + j * cs];
        }
        for (int j = w; j < NR; j++) out[o + j] = 0f;
        o += NR;
      }
    }
  }

  /**
   * Packs A[ic:ic+mc, pc:pc+kc] into MR-tall row panels (k-major inside a panel), zero-padding the last one; rows at
   * {@code rowStart} when that is not null.
   */
  private static void packA(F32 a, int[] rowStart, int ic, int mc, int pc, int kc, float[] out) {
    float[] d = a.data();
    int rs = a.rs(), cs = a.cs();
    // Element (row i, step p) of a panel goes to i·panelRow(kc) + p·PANEL_STEP.
    int rowStep = panelRow(kc);
    for (int i0 = 0; i0 < mc; i0 += MR) {
      int h = Math.min(MR, mc - i0);
      int panel = i0 * kc;
      for (int i = 0; i < MR; i++) {
        int o = panel + i * rowStep;
        if (i >= h) {
          for (int p = 0; p < kc; p++, o += PANEL_STEP) out[o] = 0f;
          continue;
        }
        int base = rowStart != null ? rowStart[ic + i0 + i] + pc : a.off() + (ic + i0 + i) * rs + pc * cs;
        for (int p = 0; p < kc; p++, o += PANEL_STEP) out[o] = d[base + p * cs];
      }
    }
  }

  /**
   * C[ic:ic+mc, :nc] += A[ic:ic+mc, pc:pc+kc] · (B's K block packed at bBase), with A read in place or packed into
   * {@code aPack} first.
   */
  private static void multiplyRowBlock(boolean directA, int mc, int nc, int kc, F32 a, int[] rowStart, int ic, int pc,
      float[] aPack, float[] bPack, int bBase, float[] c, int cBlock, int ldc) {
    if (directA) {
      macroKernelDirect(mc, nc, kc, a, rowStart, ic, pc, aPack, bPack, bBase, c, cBlock, ldc);
    } else {
      packA(a, null, ic, mc, pc, kc, aPack);
      macroKernel(mc, nc, kc, aPack, bPack, bBase, c, cBlock, ldc);
    }
  }

  private static void macroKernel(int mc, int nc, int kc, float[] aPack, float[] bPack, int bBase, float[] c, int cOff,
      int ldc) {
    for (int j0 = 0; j0 < nc; j0 += NR) {
      int nr = Math.min(NR, nc - j0);
      int bOff = bBase + j0 * kc;
      for (int i0 = 0; i0 < mc; i0 += MR) {
        int mr = Math.min(MR, mc - i0);
        int a0 = i0 * kc, r = panelRow(kc);
        tile(kc, aPack, a0, a0 + r, a0 + 2 * r, a0 + 3 * r, a0 + 4 * r, a0 + 5 * r, PANEL_STEP, bPack, bOff, c,
            cOff + i0 * ldc + j0, ldc, mr, nr);
      }
    }
  }

  /**
   * As {@link #macroKernel} with A read in place (unit column stride; row stride {@code a.rs()}, or rows at
   * {@code rowStart}); a partial last tile of rows is packed with zero padding into {@code tail} first.
   */
  private static void macroKernelDirect(int mc, int nc, int kc, F32 a, int[] rowStart, int ic, int pc, float[] tail,
      float[] bPack, int bBase, float[] c, int cOff, int ldc) {
    float[] ad = a.data();
    int lda = a.rs();
    int full = mc / MR * MR;
    if (full < mc) {
      packA(a, rowStart, ic + full, mc - full, pc, kc, tail);
    }
    for (int j0 = 0; j0 < nc; j0 += NR) {
      int nr = Math.min(NR, nc - j0);
      int bOff = bBase + j0 * kc;
      for (int i0 = 0; i0 < full; i0 += MR) {
        int r = ic + i0, cTile = cOff + i0 * ldc + j0;
        if (rowStart != null) {
          tile(kc, ad, rowStart[r] + pc, rowStart[r + 1] + pc, rowStart[r + 2] + pc, rowStart[r + 3] + pc,
              rowStart[r + 4] + pc, rowStart[r + 5] + pc, 1, bPack, bOff, c, cTile, ldc, MR, nr);
        } else {
          int a0 = a.off() + r * lda + pc;
          tile(kc, ad, a0, a0 + lda, a0 + 2 * lda, a0 + 3 * lda, a0 + 4 * lda, a0 + 5 * lda, 1, bPack, bOff, c,
              cTile, ldc, MR, nr);
        }
      }
      if (full < mc) {
        int r = panelRow(kc);
        tile(kc, tail, 0, r, 2 * r, 3 * r, 4 * r, 5 * r, PANEL_STEP, bPack, bOff, c, cOff + full * ldc + j0, ldc,
            mc - full, nr);
      }
    }
  }

  /**
   * C tile (mr × nr) += A · Bpanel: a full tile straight into C, a partial one (the last rows or columns) through a
   * zeroed MR × NR scratch tile, so that {@link #microKernel} itself has no branch. A branch there that the first
   * compilation saw go one way only made C2 deoptimize and recompile the micro-kernel when a partial tile came;
   * repeated, that can leave it stuck in a slow tier for the rest of the run.
   */
  private static void tile(int kc, float[] ap, int a0, int a1, int a2, int a3, int a4, int a5, int ps, float[] bp,
      int bOff, float[] c, int cOff, int ldc, int mr, int nr) {
    if (mr == MR && nr == NR) {
      kernel(kc, ap, a0, a1, a2, a3, a4, a5, ps, bp, bOff, c, cOff, ldc);
      return;
    }
    float[] t = TILE.get();
    Arrays.fill(t, 0f);
    kernel(kc, ap, a0, a1, a2, a3, a4, a5, ps, bp, bOff, t, 0, NR);
    for (int i = 0; i < mr; i++) {
      int row = cOff + i * ldc;
      for (int j = 0; j < nr; j++) c[row + j] += t[i * NR + j];
    }
  }

  /** The micro-kernel this JVM runs best: see {@link #ROW_PANELS} and {@link #K_CHUNKS}. */
  private static void kernel(int kc, float[] ap, int a0, int a1, int a2, int a3, int a4, int a5, int ps, float[] bp,
      int bOff, float[] c, int cOff, int ldc) {
    if (!ROW_PANELS) microKernel(kc, ap, a0, a1, a2, a3, a4, a5, ps, bp, bOff, c, cOff, ldc);
    else if (K_CHUNKS) microKernelRowsChunked(kc, ap, a0, a1, a2, a3, a4, a5, bp, bOff, c, cOff, ldc);
    else microKernelRows(kc, ap, a0, a1, a2, a3, a4, a5, bp, bOff, c, cOff, ldc);
  }

  /**
   * C tile (MR × NR) += A · Bpanel over kc steps with MR × 2 vector accumulators; A's element (r, p) is
   * {@code ap[a_r + p·ps]} (packed: a_r = panel + r, ps = MR; in place: a_r = the row's start, ps = 1).
   */
  private static void microKernel(int kc, float[] ap, int a0, int a1, int a2, int a3, int a4, int a5, int ps,
      float[] bp, int bOff, float[] c, int cOff, int ldc) {
    FloatVector z = FloatVector.zero(S);
    FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z;
    FloatVector c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
    int b = bOff;
    for (int p = 0, q = 0; p < kc; p++, q += ps, b += NR) {
      FloatVector b0 = FloatVector.fromArray(S, bp, b);
      FloatVector b1 = FloatVector.fromArray(S, bp, b + L);
      FloatVector x = FloatVector.broadcast(S, ap[a0 + q]);
      c00 = b0.fma(x, c00);
      c01 = b1.fma(x, c01);
      x = FloatVector.broadcast(S, ap[a1 + q]);
      c10 = b0.fma(x, c10);
      c11 = b1.fma(x, c11);
      x = FloatVector.broadcast(S, ap[a2 + q]);
      c20 = b0.fma(x, c20);
      c21 = b1.fma(x, c21);
      x = FloatVector.broadcast(S, ap[a3 + q]);
      c30 = b0.fma(x, c30);
      c31 = b1.fma(x, c31);
      x = FloatVector.broadcast(S, ap[a4 + q]);
      c40 = b0.fma(x, c40);
      c41 = b1.fma(x, c41);
      x = FloatVector.broadcast(S, ap[a5 + q]);
      c50 = b0.fma(x, c50);
      c51 = b1.fma(x, c51);
    }
    addRow(c, cOff, c00, c01);
    addRow(c, cOff + ldc, c10, c11);
    addRow(c, cOff + 2 * ldc, c20, c21);
    addRow(c, cOff + 3 * ldc, c30, c31);
    addRow(c, cOff + 4 * ldc, c40, c41);
    addRow(c, cOff + 5 * ldc, c50, c51);
  }

  /**
   * {@link #microKernel} with every A row at unit stride ({@link #ROW_PANELS}), for AVX2's 16 registers (see
   * {@link #MR} for why this form, and not the panel step, fits them). Its loop is about 31 fused instructions for 12
   * FMAs (a {@code lea} per row, the B offset rebuilt from p, two stack reloads: the general registers are all taken):
   * at two FMAs a cycle, ~5 instructions a cycle, near a Zen core's 6-wide dispatch. Every way tried to shorten it made
   * C2 spill (Zen 4, -XX:UseAVX=2, disassembly): K unrolled by two by hand (and, with an even bound, boxed vectors in
   * the loop), C2's own unrolling (-XX:LoopUnrollLimit=400), and rows at constant offsets of one index, in plain and
   * chunked loops alike.
   */
  static void microKernelRows(int kc, float[] ap, int a0, int a1, int a2, int a3, int a4, int a5, float[] bp,
      int bOff, float[] c, int cOff, int ldc) {
    FloatVector z = FloatVector.zero(S);
    FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z;
    FloatVector c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
    int b = bOff;
    for (int p = 0; p < kc; p++, b += NR) {
      FloatVector b0 = FloatVector.fromArray(S, bp, b);
      FloatVector b1 = FloatVector.fromArray(S, bp, b + L);
      FloatVector x = FloatVector.broadcast(S, ap[a0 + p]);
      c00 = b0.fma(x, c00);
      c01 = b1.fma(x, c01);
      x = FloatVector.broadcast(S, ap[a1 + p]);
      c10 = b0.fma(x, c10);
      c11 = b1.fma(x, c11);
      x = FloatVector.broadcast(S, ap[a2 + p]);
      c20 = b0.fma(x, c20);
      c21 = b1.fma(x, c21);
      x = FloatVector.broadcast(S, ap[a3 + p]);
      c30 = b0.fma(x, c30);
      c31 = b1.fma(x, c31);
      x = FloatVector.broadcast(S, ap[a4 + p]);
      c40 = b0.fma(x, c40);
      c41 = b1.fma(x, c41);
      x = FloatVector.broadcast(S, ap[a5 + p]);
      c50 = b0.fma(x, c50);
      c51 = b1.fma(x, c51);
    }
    addRow(c, cOff, c00, c01);
    addRow(c, cOff + ldc, c10, c11);
    addRow(c, cOff + 2 * ldc, c20, c21);
    addRow(c, cOff + 3 * ldc, c30, c31);
    addRow(c, cOff + 4 * ldc, c40, c41);
    addRow(c, cOff + 5 * ldc, c50, c51);
  }

  /**
   * {@link #microKernelRows} with K taken in chunks of {@link #K_CHUNK} steps, an outer loop around the same inner
   * one, for JVMs that do not strip-mine loops (see {@link #K_CHUNKS}); same operations in the same order.
   */
  static void microKernelRowsChunked(int kc, float[] ap, int a0, int a1, int a2, int a3, int a4, int a5, float[] bp,
      int bOff, float[] c, int cOff, int ldc) {
    FloatVector z = FloatVector.zero(S);
    FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z;
    FloatVector c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
    int b = bOff;
    for (int p0 = 0; p0 < kc; p0 += K_CHUNK) {
      int pEnd = Math.min(p0 + K_CHUNK, kc);
      for (int p = p0; p < pEnd; p++, b += NR) {
        FloatVector b0 = FloatVector.fromArray(S, bp, b);
        FloatVector b1 = FloatVector.fromArray(S, bp, b + L);
        FloatVector x = FloatVector.broadcast(S, ap[a0 + p]);
        c00 = b0.fma(x, c00);
        c01 = b1.fma(x, c01);
        x = FloatVector.broadcast(S, ap[a1 + p]);
        c10 = b0.fma(x, c10);
        c11 = b1.fma(x, c11);
        x = FloatVector.broadcast(S, ap[a2 + p]);
        c20 = b0.fma(x, c20);
        c21 = b1.fma(x, c21);
        x = FloatVector.broadcast(S, ap[a3 + p]);
        c30 = b0.fma(x, c30);
        c31 = b1.fma(x, c31);
        x = FloatVector.broadcast(S, ap[a4 + p]);
        c40 = b0.fma(x, c40);
        c41 = b1.fma(x, c41);
        x = FloatVector.broadcast(S, ap[a5 + p]);
        c50 = b0.fma(x, c50);
        c51 = b1.fma(x, c51);
      }
    }
    addRow(c, cOff, c00, c01);
    addRow(c, cOff + ldc, c10, c11);
    addRow(c, cOff + 2 * ldc, c20, c21);
    addRow(c, cOff + 3 * ldc, c30, c31);
    addRow(c, cOff + 4 * ldc, c40, c41);
    addRow(c, cOff + 5 * ldc, c50, c51);
  }

  private static void addRow(float[] c, int off, FloatVector v0, FloatVector v1) {
    FloatVector.fromArray(S, c, off).add(v0).intoArray(c, off);
    FloatVector.fromArray(S, c, off + L).add(v1).intoArray(c, off + L);
  }

  /** C[m×n] = A[m×k]·B[k×n] in float64, overwriting C; a cache-blocked scalar loop, parallel over rows. */
  public static void dgemm(CpuContext ctx, int m, int n, int k, F64 a, F64 b, double[] c, int cOff, int ldc) {
    ctx.parallelFor(m, 16, (s, e) -> {
      double[] ad = a.data(), bd = b.data();
      for (int i = s; i < e; i++) {
        int row = cOff + i * ldc;
        Arrays.fill(c, row, row + n, 0.0);
        for (int p = 0; p < k; p++) {
          double x = ad[a.off() + i * a.rs() + p * a.cs()];
          int bb = b.off() + p * b.rs();
          int bcs = b.cs();
          for (int j = 0; j < n; j++) {
            c[row + j] += x * bd[bb + j * bcs];
          }
        }
      }
    });
  }
}
