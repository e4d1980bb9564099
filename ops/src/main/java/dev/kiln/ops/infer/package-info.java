/**
 * Single-row inference: a model compiled into a {@link dev.kiln.ops.infer.RowPlan} (normalizations folded into the
 * neighbouring weights, weights packed once, a fixed list of allocation-free steps) from each layer's
 * {@link dev.kiln.ops.Layer#rowOp} form.
 */
package dev.kiln.ops.infer;
