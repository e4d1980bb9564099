/**
 * The accelerator runtime's front door: {@link dev.kiln.tpu.Backends} opens a backend by name, and plugins of every
 * kind (CPU, CUDA, TPU) are found ({@link dev.kiln.tpu.PluginLocator}) and installed
 * ({@link dev.kiln.tpu.PluginInstaller}) here. The PJRT binding itself is in {@code pjrt}, the CUDA pieces in
 * {@code cuda}, libtpu's in {@code libtpu}.
 */
package dev.kiln.tpu;
