/**
 * libtpu's pieces: the process settings it needs, whether a TPU is attached, and TPU topologies (Cloud TPU's names and
 * libtpu's own) to compile for ahead of time, with no TPU.
 */
package dev.kiln.tpu.libtpu;
