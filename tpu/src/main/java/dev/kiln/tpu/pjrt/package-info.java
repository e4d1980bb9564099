/**
 * The generic PJRT binding and client: Kiln's own C header bound with JavaCPP ({@code PjrtC}), the plugin, client,
 * buffers, events and executables over it, compile options, ahead-of-time executables, and {@link
 * dev.kiln.tpu.pjrt.PjrtBackend}, which runs Kiln's graphs as StableHLO on any PJRT plugin.
 */
package dev.kiln.tpu.pjrt;
