package dev.kiln.core.op;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.TensorType;
import dev.kiln.core.cpu.Arena;
import dev.kiln.core.cpu.ConvKernelGrad;
import dev.kiln.core.cpu.ConvWindows;
import dev.kiln.core.cpu.CpuContext;
import dev.kiln.core.cpu.Gemm;
import dev.kiln.core.cpu.Layout;
import dev.kiln.core.graph.Primitive;
import dev.kiln.core.graph.Value;
import dev.kiln.core.hlo.HloEmitter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code stablehlo.convolution} (cross-correlation, no kernel flip) over any number of spatial dimensions, with
 * window strides, low/high padding (negative crops), lhs (input) and rhs (kernel) dilation, any dimension layout and
 * feature groups. {@code batch_group_count} is always 1: feature-grouped gradients are formed per group instead.
 *
 * <p>Gradients are convolutions too (the rules of the transposed convolution): the input gradient convolves the
 * output cotangent with the spatially reversed kernel, swapping strides and lhs dilation; the kernel gradient
 * convolves the input with the cotangent, batch and feature roles exchanged. The Java kernel runs a 1-D float32
 * convolution as one GEMM over its input's windows in place ({@code ConvWindows}), the 1-D 'same' kernel gradient
 * as one GEMM over its transposed input ({@code ConvKernelGrad}), and every other case as im2col in row chunks
 * followed by the blocked GEMM.
 */
public record Convolution(int[] strides, int[] padLo, int[] padHi, int[] lhsDilation, int[] rhsDilation, Dims dims,
    int featureGroupCount) implements Primitive {

  /** Which dimension of each operand is batch, feature and spatial. */
  public record Dims(int inBatch, int inFeature, int[] inSpatial, int kernelIn, int kernelOut, int[] kernelSpatial,
      int outBatch, int outFeature, int[] outSpatial) {
    /** Batch, spatial..., feature for input and output; spatial..., in, out for the kernel (NWC / WIO in 1-d). */
    public static Dims channelsLast(int spatial) {
      int[] s = new int[spatial];
      int[] k = new int[spatial];
      for (int i = 0; i < spatial; i++) {
        s[i] = 1 + i;
        k[i] = i;
      }
      return new Dims(0, spatial + 1, s, spatial, spatial + 1, k, 0, spatial + 1, s.clone());
    }

    @Override
    public String toString() {
      return "[in b=" + inBatch + " f=" + inFeature + " s=" + Arrays.toString(inSpatial) + "; kernel i=" + kernelIn
          + " o=" + kernelOut + " s=" + Arrays.toString(kernelSpatial) + "; out b=" + outBatch + " f=" + outFeature
          + " s=" + Arrays.toString(outSpatial) + "]";
    }
  }

  /** A plain convolution: given strides and padding, no dilation, one group. */
  public static Convolution of(int[] strides, int[] padLo, int[] padHi, Dims dims) {
    int[] ones = new int[strides.length];
    Arrays.fill(ones, 1);
    return new Convolution(strides, padLo, padHi, ones, ones.clone(), dims, 1);
  }

  @Override public String name() { return "convolution"; }

  @Override
  public String attributes() {
    return "window_strides=" + Arrays.toString(strides) + ", padding_low=" + Arrays.toString(padLo)
        + ", padding_high=" + Arrays.toString(padHi) + ", lhs_dilation=" + Arrays.toString(lhsDilation)
        + ", rhs_dilation=" + Arrays.toString(rhsDilation) + ", dimension_numbers=" + dims
        + ", feature_group_count=" + featureGroupCount;
  }

  private int spatial() {
    return strides.length;
  }

  static int dilate(int n, int d) {
    return n == 0 ? 0 : 1 + d * (n - 1);
  }

  @Override
  public TensorType inferType(List<TensorType> in) {
    if (in.size() != 2) throw error(in, "expects input and kernel");
    TensorType x = in.get(0), w = in.get(1);
    int ns = spatial();
    if (x.dtype() != w.dtype() || !x.dtype().isFloating()) throw error(in, "operands must share a float type");
    if (x.rank() != ns + 2 || w.rank() != ns + 2) throw error(in, "operands must have rank " + (ns + 2));
    for (int[] a : new int[][] {padLo, padHi, lhsDilation, rhsDilation, dims.inSpatial, dims.kernelSpatial, dims.outSpatial}) {
      if (a.length != ns) throw error(in, "attribute lists must have one entry per spatial dimension");
    }
    for (int i = 0; i < ns; i++) {
      if (strides[i] < 1 || lhsDilation[i] < 1 || rhsDilation[i] < 1) throw error(in, "strides and dilations must be >= 1");
    }
    int g = featureGroupCount;
    if (g < 1) throw error(in, "feature_group_count must be >= 1");
    int cin = x.dim(dims.inFeature), cout = w.dim(dims.kernelOut);
    if (cin != w.dim(dims.kernelIn) * g) {
      throw error(in, "input features " + cin + " != kernel input features " + w.dim(dims.kernelIn) + " x groups " + g);
    }
    if (cout % g != 0) throw error(in, "kernel output features " + cout + " not divisible by groups " + g);
    int[] out = new int[ns + 2];
    out[dims.outBatch] = x.dim(dims.inBatch);
    out[dims.outFeature] = cout;
    for (int i = 0; i < ns; i++) {
      int padded = dilate(x.dim(dims.inSpatial[i]), lhsDilation[i]) + padLo[i] + padHi[i];
      int k = dilate(w.dim(dims.kernelSpatial[i]), rhsDilation[i]);
      out[dims.outSpatial[i]] = padded < k ? 0 : (padded - k) / strides[i] + 1;
    }
    return new TensorType(x.dtype(), Shape.of(out));
  }

  // ---- gradients ----

  @Override
  public List<Value> vjp(Value out, Value g) {
    Value x = out.input(0), w = out.input(1);
    int groups = featureGroupCount;
    if (groups == 1) {
      return Arrays.asList(inputGrad(x.shape(), w, g), kernelGrad(x, w.shape(), g));
    }
    // Grouped: each group is an ungrouped convolution of a slice of the features.
    int cinG = x.dim(dims.inFeature) / groups, coutG = w.dim(dims.kernelOut) / groups;
    Convolution one = new Convolution(strides, padLo, padHi, lhsDilation, rhsDilation, dims, 1);
    List<Value> dxs = new ArrayList<>(), dws = new ArrayList<>();
    for (int k = 0; k < groups; k++) {
      Value xk = Ops.sliceAxis(x, dims.inFeature, k * cinG, (k + 1) * cinG);
      Value wk = Ops.sliceAxis(w, dims.kernelOut, k * coutG, (k + 1) * coutG);
      Value gk = Ops.sliceAxis(g, dims.outFeature, k * coutG, (k + 1) * coutG);
      dxs.add(one.inputGrad(xk.shape(), wk, gk));
      dws.add(one.kernelGrad(xk, wk.shape(), gk));
    }
    return Arrays.asList(Ops.concatenate(dims.inFeature, dxs), Ops.concatenate(dims.kernelOut, dws));
  }

  private Value inputGrad(Shape xShape, Value w, Value g) {
    int ns = spatial();
    int[] lo = new int[ns], hi = new int[ns];
    for (int i = 0; i < ns; i++) {
      int inD = dilate(xShape.dim(dims.inSpatial[i]), lhsDilation[i]);
      int kD = dilate(w.dim(dims.kernelSpatial[i]), rhsDilation[i]);
      int outD = dilate(g.dim(dims.outSpatial[i]), strides[i]);
      lo[i] = kD - padLo[i] - 1;
      hi[i] = inD + kD - 1 - outD - lo[i];
    }
    Dims t = new Dims(dims.outBatch, dims.outFeature, dims.outSpatial, dims.kernelOut, dims.kernelIn,
        dims.kernelSpatial, dims.inBatch, dims.inFeature, dims.inSpatial);
    Value wr = Ops.reverse(w, dims.kernelSpatial);
    Convolution c = new Convolution(lhsDilation, lo, hi, strides, rhsDilation, t, 1);
    Value dx = Ops.apply(c, g, wr);
    if (!dx.shape().equals(xShape)) {
      throw new IllegalStateException("convolution input gradient has shape " + dx.shape() + ", expected " + xShape);
    }
    return dx;
  }

  private Value kernelGrad(Value x, Shape wShape, Value g) {
    int ns = spatial();
    int[] hi = new int[ns];
    for (int i = 0; i < ns; i++) {
      int inD = dilate(x.dim(dims.inSpatial[i]), lhsDilation[i]);
      int kD = dilate(wShape.dim(dims.kernelSpatial[i]), rhsDilation[i]);
      int outD = dilate(g.dim(dims.outSpatial[i]), strides[i]);
      hi[i] = (outD - inD) + (kD - padLo[i] - 1);
    }
    Dims t = new Dims(dims.inFeature, dims.inBatch, dims.inSpatial, dims.outBatch, dims.outFeature, dims.outSpatial,
        dims.kernelIn, dims.kernelOut, dims.kernelSpatial);
    Convolution c = new Convolution(rhsDilation, padLo.clone(), hi, lhsDilation, strides, t, 1);
    Value dw = Ops.apply(c, x, g);
    if (!dw.shape().equals(wShape)) {
      throw new IllegalStateException("convolution kernel gradient has shape " + dw.shape() + ", expected " + wShape);
    }
    return dw;
  }

  // ---- StableHLO ----

  @Override
  public void lower(HloEmitter e, Value out) {
    int ns = spatial();
    StringBuilder pad = new StringBuilder("dense<[");
    for (int i = 0; i < ns; i++) {
      if (i > 0) pad.append(", ");
      pad.append('[').append(padLo[i]).append(", ").append(padHi[i]).append(']');
    }
    pad.append("]> : tensor<").append(ns).append("x2xi64>");
    if (ns == 0) pad = new StringBuilder("dense<> : tensor<0x2xi64>");
    String dn = "#stablehlo.conv<raw input_batch_dimension = " + dims.inBatch
        + ", input_feature_dimension = " + dims.inFeature
        + ", input_spatial_dimensions = " + HloEmitter.list(dims.inSpatial)
        + ", kernel_input_feature_dimension = " + dims.kernelIn
        + ", kernel_output_feature_dimension = " + dims.kernelOut
        + ", kernel_spatial_dimensions = " + HloEmitter.list(dims.kernelSpatial)
        + ", output_batch_dimension = " + dims.outBatch
        + ", output_feature_dimension = " + dims.outFeature
        + ", output_spatial_dimensions = " + HloEmitter.list(dims.outSpatial) + ">";
    e.op(out, "convolution", "batch_group_count = 1 : i64, dimension_numbers = " + dn
        + ", feature_group_count = " + featureGroupCount + " : i64, lhs_dilation = " + HloEmitter.i64Array(lhsDilation)
        + ", padding = " + pad + ", rhs_dilation = " + HloEmitter.i64Array(rhsDilation)
        + ", window_strides = " + HloEmitter.i64Array(strides));
  }

  // ---- Java kernel: GEMM over the windows (1-D) or im2col rows ----

  @Override
  public Tensor eval(CpuContext ctx, Tensor[] in, TensorType t) {
    Tensor x = in[0], w = in[1];
    int ns = spatial();
    DType dt = t.dtype();
    boolean f32 = dt == DType.F32;
    if (f32 && isSameConv1dKernelGradient(x, w)) return kernelGradient(ctx, x, w, t);
    // Canonical layouts: X [N, S..., C], W [K..., Cin/G, Cout], Y [N, O..., Cout].
    int[] xPerm = new int[ns + 2];
    xPerm[0] = dims.inBatch;
    for (int i = 0; i < ns; i++) xPerm[1 + i] = dims.inSpatial[i];
    xPerm[ns + 1] = dims.inFeature;
    int[] wPerm = new int[ns + 2];
    for (int i = 0; i < ns; i++) wPerm[i] = dims.kernelSpatial[i];
    wPerm[ns] = dims.kernelIn;
    wPerm[ns + 1] = dims.kernelOut;
    Object xc = Layout.arranged(ctx, x, xPerm);
    Object wc = Layout.arranged(ctx, w, wPerm);
    int n = x.shape().dim(dims.inBatch), cin = x.shape().dim(dims.inFeature);
    int cout = w.shape().dim(dims.kernelOut);
    int[] sIn = new int[ns], kDim = new int[ns], oDim = new int[ns];
    int kProd = 1, oProd = 1;
    for (int i = 0; i < ns; i++) {
      sIn[i] = x.shape().dim(dims.inSpatial[i]);
      kDim[i] = w.shape().dim(dims.kernelSpatial[i]);
      oDim[i] = t.shape().dim(dims.outSpatial[i]);
      kProd *= kDim[i];
      oProd *= oDim[i];
    }
    int rows = n * oProd;
    Object yc;
    boolean windows = f32 && ns == 1 && featureGroupCount == 1 && lhsDilation[0] == 1 && rhsDilation[0] == 1
        && padLo[0] >= 0 && padHi[0] >= 0;
    if (windows && rows > 0 && cout > 0) {
      // The windows of the (padded) input are the im2col rows in place: one GEMM, no im2col copy.
      yc = ConvWindows.compute(ctx, (float[]) xc, (float[]) wc, n, sIn[0], cin, cout, kDim[0], oDim[0], strides[0],
          padLo[0], padHi[0]);
    } else {
      yc = im2colGemm(ctx, xc, wc, dt, n, cin, cout, sIn, kDim, oDim, rows, kProd * (cin / featureGroupCount));
    }
    // Y [N, O..., Cout] -> output layout.
    int[] yDims = new int[ns + 2];
    yDims[0] = n;
    System.arraycopy(oDim, 0, yDims, 1, ns);
    yDims[ns + 1] = cout;
    int[] perm = new int[ns + 2];
    perm[dims.outBatch] = 0;
    perm[dims.outFeature] = ns + 1;
    for (int i = 0; i < ns; i++) perm[dims.outSpatial[i]] = 1 + i;
    boolean identity = true;
    for (int i = 0; i < perm.length; i++) identity &= perm[i] == i;
    if (identity) return Tensor.wrap(dt, t.shape(), yc);
    Object out = Layout.transpose(ctx, dt, yc, yDims, perm);
    Arena.scratchDone(yc);
    return Tensor.wrap(dt, t.shape(), out);
  }

  /** The general case: im2col rows in chunks, each chunk one GEMM per group into Y [N, O..., Cout]. */
  private Object im2colGemm(CpuContext ctx, Object xc, Object wc, DType dt, int n, int cin, int cout, int[] sIn,
      int[] kDim, int[] oDim, int rows, int cols) {
    int ns = spatial(), groups = featureGroupCount, cinG = cin / groups, coutG = cout / groups;
    boolean f32 = dt == DType.F32;
    int kProd = 1, oProd = 1;
    for (int i = 0; i < ns; i++) {
      kProd *= kDim[i];
      oProd *= oDim[i];
    }
    final int fk = kProd, fo = oProd;
    Object yc = Arena.uninitialized(dt, rows * cout);
    if (rows > 0 && cout > 0) {
      int chunk = Math.max(256, Math.min(rows, (4 << 20) / Math.max(1, cols)));
      Object patch = Arena.uninitialized(dt, Math.min(rows, chunk) * cols);
      int[] sInStrides = Layout.strides(sIn);
      for (int g = 0; g < groups; g++) {
        for (int r0 = 0; r0 < rows; r0 += chunk) {
          int rc = Math.min(chunk, rows - r0);
          final int gg = g, rr0 = r0;
          ctx.parallelFor(rc, 64, (s, e) -> {
            int[] o = new int[ns];
            int[] k = new int[ns];
            for (int r = s; r < e; r++) {
              int row = rr0 + r;
              int b = row / Math.max(1, fo);
              int rem = row % Math.max(1, fo);
              for (int i = ns - 1; i >= 0; i--) {
                o[i] = rem % oDim[i];
                rem /= oDim[i];
              }
              fillRow(xc, patch, r * cols, b, o, k, gg, cinG, cin, sIn, sInStrides, kDim, fk, f32);
            }
          });
          if (f32) {
            Gemm.sgemm(ctx, rc, coutG, cols, new Gemm.F32((float[]) patch, 0, cols, 1),
                new Gemm.F32((float[]) wc, g * coutG, cout, 1), (float[]) yc, r0 * cout + g * coutG, cout);
          } else {
            Gemm.dgemm(ctx, rc, coutG, cols, new Gemm.F64((double[]) patch, 0, cols, 1),
                new Gemm.F64((double[]) wc, g * coutG, cout, 1), (double[]) yc, r0 * cout + g * coutG, cout);
          }
        }
      }
      Arena.scratchDone(patch);
    }
    return yc;
  }

  /**
   * Whether this is the kernel gradient autodiff writes for a 1-D, stride-1, undilated convolution of x [N, S, C] into
   * dy [N, S, F] (equal lengths): batch and feature roles swapped, x and dy in their forward layouts.
   */
  private boolean isSameConv1dKernelGradient(Tensor x, Tensor dy) {
    return spatial() == 1 && featureGroupCount == 1 && strides[0] == 1 && lhsDilation[0] == 1
        && rhsDilation[0] == 1 && x.shape().rank() == 3 && dims.inFeature == 0 && dims.inSpatial[0] == 1
        && dims.inBatch == 2 && dims.kernelIn == 0 && dims.kernelSpatial[0] == 1 && dims.kernelOut == 2
        && x.shape().dim(1) == dy.shape().dim(1);
  }

  /** That gradient by {@link ConvKernelGrad}: [K, C, F], then arranged as this op's output dimensions say. */
  private Tensor kernelGradient(CpuContext ctx, Tensor x, Tensor dy, TensorType t) {
    int n = x.shape().dim(0), s = x.shape().dim(1), c = x.shape().dim(2), f = dy.shape().dim(2);
    int taps = t.shape().dim(dims.outSpatial[0]);
    float[] kcf = ConvKernelGrad.compute(ctx, x.floats(), dy.floats(), n, s, c, f, taps, padLo[0]);
    int[] perm = new int[3];
    perm[dims.outSpatial[0]] = 0;
    perm[dims.outBatch] = 1;
    perm[dims.outFeature] = 2;
    boolean identity = perm[0] == 0 && perm[1] == 1 && perm[2] == 2;
    Object out = identity ? kcf : Layout.transpose(ctx, DType.F32, kcf, new int[] {taps, c, f}, perm);
    return Tensor.wrap(DType.F32, t.shape(), out);
  }

  /** Writes one im2col row: for every kernel tap, the input's channel run of group g, or zeros outside. */
  private void fillRow(Object xc, Object patch, int pOff, int b, int[] o, int[] k, int g, int cinG, int cin,
      int[] sIn, int[] sInStrides, int[] kDim, int kProd, boolean f32) {
    int ns = o.length;
    int sProd = ns == 0 ? 1 : sIn[0] * sInStrides[0];
    Arrays.fill(k, 0);
    for (int tap = 0; tap < kProd; tap++) {
      int pos = 0;
      boolean inside = true;
      for (int i = 0; i < ns; i++) {
        int pd = o[i] * strides[i] + k[i] * rhsDilation[i] - padLo[i];
        if (pd < 0 || pd % lhsDilation[i] != 0) { inside = false; break; }
        int p = pd / lhsDilation[i];
        if (p >= sIn[i]) { inside = false; break; }
        pos += p * sInStrides[i];
      }
      int dst = pOff + tap * cinG;
      if (inside) {
        System.arraycopy(xc, (b * sProd + pos) * cin + g * cinG, patch, dst, cinG);
      } else if (f32) {
        Arrays.fill((float[]) patch, dst, dst + cinG, 0f);
      } else {
        Arrays.fill((double[]) patch, dst, dst + cinG, 0.0);
      }
      for (int i = ns - 1; i >= 0; i--) {
        if (++k[i] < kDim[i]) break;
        k[i] = 0;
      }
    }
  }
}
