package dev.kiln.core.cpu;

import static dev.kiln.core.cpu.GemmKernels.MR;
import static dev.kiln.core.cpu.GemmKernels.NR;

import dev.kiln.core.DType;
import dev.kiln.core.Flags;
import java.util.Arrays;

/**
 * Dense matrix multiply C = A·B, the engine under convolution and dot_general on the Java backend.
 *
 * <p>Float32 follows the Goto/BLIS scheme: B is packed in panels of NR columns (KC × NC blocks that stay in L2), A in
 * panels of MR rows ({@link GemmPacking}), and a register-blocked micro-kernel of MR × NR accumulators ({@link
 * GemmKernels}) runs the inner loop with fused multiply-adds. Which kernel, packing and loop order is the {@link
 * GemmPath}, chosen once from the machine ({@link #PATH}). Row blocks of A are spread over the context's threads. A
 * matrix-vector product and float64 take plain loops ({@link GemmLoops}).
 *
 * <p>Matrices are given as (array, offset, row stride, column stride), so a transposed operand needs no copy.
 */
public final class Gemm {
  /** The path every call takes: {@code -Dkiln.gemm.path}, or the machine's ({@link GemmPath#choose}). */
  static final GemmPath PATH =
      GemmPath.choose(Flags.GEMM_PATH.value(), GemmKernels.L, JitFlags.LOOP_STRIP_MINING);

  /** The smallest K block of any path ({@link GemmPath#kc}), which bounds how many blocks a sum is cut into. */
  static final int KC = 256;
  static final int MC = MR * 24;
  private static final int NC = NR * 64;
  /**
   * B is skinny up to the convolutions' 64 filters, on every path: its K is taken in large blocks (docs/benchmarks.md,
   * GEMM).
   */
  private static final int SKINNY_N = 64;
  /** The K block for a skinny B with A packed, which bounds the packed block. */
  private static final int KC_SKINNY_PACKED = 2048;
  /**
   * The C-resident order's blocks of C (96 KB on AVX2's tile), which stay in L2 across the K blocks (docs/benchmarks.md,
   * GEMM).
   */
  private static final int MC_RESIDENT = MR * 16;
  private static final int NC_RESIDENT = NR * 16;

  private Gemm() {}

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
    sgemm(PATH, ctx, m, n, k, a, null, b, c, cOff, ldc);
  }

  /**
   * C[m×n] = A[m×k]·B[k×n] where row i of A is the k consecutive floats {@code a[rowStart[i]...]}. Rows may overlap:
   * a convolution's windows over its (padded) input are A's rows in place, with no im2col copy.
   */
  public static void sgemmRows(CpuContext ctx, int m, int n, int k, float[] a, int[] rowStart, F32 b, float[] c,
      int cOff, int ldc) {
    sgemm(PATH, ctx, m, n, k, new F32(a, 0, 0, 1), rowStart, b, c, cOff, ldc);
  }

  /** C[m×n] = A[m×k]·B[k×n] in float64, overwriting C; a plain scalar loop, parallel over rows. */
  public static void dgemm(CpuContext ctx, int m, int n, int k, F64 a, F64 b, double[] c, int cOff, int ldc) {
    GemmLoops.dgemm(ctx, m, n, k, a, b, c, cOff, ldc);
  }

  /**
   * {@link #sgemm} on {@code path}, with A's rows at {@code rowStart} when that is not null (A's offset and row stride
   * unused). A matrix-vector product (n = 1, A in a matrix) takes its own loop on every path: NR-wide panels of B
   * would be all padding.
   */
  static void sgemm(GemmPath path, CpuContext ctx, int m, int n, int k, F32 a, int[] rowStart, F32 b, float[] c,
      int cOff, int ldc) {
    if (m == 0 || n == 0 || k == 0) {
      for (int i = 0; i < m; i++) Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
    } else if (n == 1 && rowStart == null) {
      GemmLoops.gemv(ctx, m, k, a, b, c, cOff, ldc);
    } else {
      tiled(path, ctx, m, n, k, a, rowStart, b, c, cOff, ldc);
    }
  }

  /** {@link #sgemm} through {@code path}'s micro-kernel whatever the shape (m, n, k ≥ 1), in its loop order. */
  static void tiled(GemmPath path, CpuContext ctx, int m, int n, int k, F32 a, int[] rowStart, F32 b, float[] c,
      int cOff, int ldc) {
    // Rows of A that are contiguous are read in place: with few columns of B, packing A would cost as much as the
    // multiply itself.
    RowBlock rows = new RowBlock(path, a, rowStart, a.cs() == 1, c, ldc);
    // (B packed for all of K per slab: up to 64 MB, beyond which the other order takes it.)
    if (path.cResident && n > SKINNY_N && k > path.kc && (long) k * NC_RESIDENT <= 1 << 24) {
      residentC(ctx, m, n, k, b, rows, cOff);
    } else {
      kBlocksOuter(ctx, m, n, k, b, rows, cOff);
    }
  }

  /**
   * The K block {@code path} takes for an n-column B: a skinny B's long K in large blocks, so that C is written and
   * the row blocks join once per block; else the path's own. Each element of C is the sum over its K blocks, each
   * block's one FMA per step in K's order: two paths with the same K blocks give bit-identical results.
   */
  static int kBlock(GemmPath path, int n, int k, boolean directA) {
    return n <= SKINNY_N ? Math.min(k, directA ? path.kcSkinny : KC_SKINNY_PACKED) : path.kc;
  }

  /** The loop order with K blocks outermost (inside column slabs): each K block's row blocks in parallel. */
  private static void kBlocksOuter(CpuContext ctx, int m, int n, int k, F32 b, RowBlock rows, int cOff) {
    int kcMax = kBlock(rows.path(), n, k, rows.directA());
    int ncMax = Math.min(NC, roundUp(n, NR));
    float[] bPack = (float[]) Arena.uninitialized(DType.F32, kcMax * ncMax);
    int mcBlock = rowBlock(m, ctx.parallelism());
    int mBlocks = (m + mcBlock - 1) / mcBlock;
    for (int jc = 0; jc < n; jc += NC) {
      int nc = Math.min(NC, n - jc), fjc = jc;
      for (int pc = 0; pc < k; pc += kcMax) {
        int kc = Math.min(kcMax, k - pc), fpc = pc;
        GemmPacking.panels(ctx, (long) kc * nc, (nc + NR - 1) / NR,
            (s, e) -> GemmPacking.packB(b, fpc, kc, fjc, nc, s, e, bPack, 0));
        ctx.parallelFor(mBlocks, 1, (s, e) -> {
          float[] aPack = GemmPacking.aBuffer(rows.directA() ? MR * kc : mcBlock * kc);
          for (int blk = s; blk < e; blk++) {
            int ic = blk * mcBlock, mc = Math.min(mcBlock, m - ic), cBlock = cOff + ic * rows.ldc() + fjc;
            // C starts at zero: each block's rows are cleared by the thread that computes them, just before.
            if (fpc == 0) rows.clear(cBlock, mc, nc);
            rows.multiply(ic, mc, fpc, kc, nc, aPack, bPack, 0, cBlock);
          }
        });
      }
    }
    Arena.scratchDone(bPack);
  }

  /**
   * The C-resident order ({@link GemmPath#cResident}): for each slab of columns, B is packed for all of K, then each
   * block of rows runs every K block in turn while it stays in L2. The K blocks and their order are those of the other
   * order, so the results are bit-identical.
   */
  private static void residentC(CpuContext ctx, int m, int n, int k, F32 b, RowBlock rows, int cOff) {
    int kc = rows.path().kc, ncMax = Math.min(NC_RESIDENT, roundUp(n, NR));
    float[] bPack = (float[]) Arena.uninitialized(DType.F32, k * ncMax);
    // Up to MC_RESIDENT rows a block, and as many blocks as a multiple of the threads, so that they end together.
    int threads = ctx.parallelism();
    int mBlocks = roundUp((m + MC_RESIDENT - 1) / MC_RESIDENT, threads);
    int mcBlock = roundUp((m + mBlocks - 1) / mBlocks, MR);
    int blocks = (m + mcBlock - 1) / mcBlock;
    for (int jc = 0; jc < n; jc += NC_RESIDENT) {
      int nc = Math.min(NC_RESIDENT, n - jc), panels = (nc + NR - 1) / NR, fjc = jc;
      // K block pc's panels start at pc·panels·NR: the blocks before it hold pc rows of panels·NR floats.
      GemmPacking.panels(ctx, (long) k * nc, panels, (s, e) -> {
        for (int pc = 0; pc < k; pc += kc) {
          GemmPacking.packB(b, pc, Math.min(kc, k - pc), fjc, nc, s, e, bPack, pc * panels * NR);
        }
      });
      ctx.parallelFor(blocks, 1, (s, e) -> {
        float[] aPack = GemmPacking.aBuffer(rows.directA() ? MR * kc : mcBlock * kc);
        for (int blk = s; blk < e; blk++) {
          int ic = blk * mcBlock, mc = Math.min(mcBlock, m - ic), cBlock = cOff + ic * rows.ldc() + fjc;
          rows.clear(cBlock, mc, nc);
          for (int pc = 0; pc < k; pc += kc) {
            rows.multiply(ic, mc, pc, Math.min(kc, k - pc), nc, aPack, bPack, pc * panels * NR, cBlock);
          }
        }
      });
    }
    Arena.scratchDone(bPack);
  }

  /**
   * Rows of A per parallel block: MC, unless that leaves too few blocks to share evenly among the threads, four or
   * fewer each. Then the blocks are made smaller, a multiple of MR, so their count is a multiple of the threads
   * (docs/benchmarks.md, GEMM).
   */
  static int rowBlock(int m, int threads) {
    int blocks = (m + MC - 1) / MC;
    if (threads <= 1 || blocks > 4 * threads || m <= MR * threads) return MC;
    int even = (blocks + threads - 1) / threads * threads;
    return roundUp((m + even - 1) / even, MR);
  }

  static int roundUp(int x, int m) {
    return (x + m - 1) / m * m;
  }
}
