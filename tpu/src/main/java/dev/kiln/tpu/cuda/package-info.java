/**
 * The CUDA plugin's pieces: the NVIDIA wheels it needs and their install layout, the libraries and driver it opens at
 * run time, and its client options (JAX's names and defaults).
 */
package dev.kiln.tpu.cuda;
