/** The PJRT backend: runs Kiln graphs lowered to StableHLO on TPU, GPU and CPU plugins. */
package dev.kiln.tpu;
