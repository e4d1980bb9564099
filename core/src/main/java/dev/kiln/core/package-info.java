/** Kiln's core: dtypes, shapes, host tensors; the graph of primitives, autodiff, RNG, backends. */
package dev.kiln.core;
