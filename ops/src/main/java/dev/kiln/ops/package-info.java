/** Composite ops, layers, models, optimizers and metrics built on the primitives of {@code dev.kiln.core}. */
package dev.kiln.ops;
