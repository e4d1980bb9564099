/** The windowed batch pipeline: decoded shards, window index, shuffling, batch assembly, prefetch and adapt moments. */
package dev.kiln.io.pipeline;
