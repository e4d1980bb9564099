/** TFRecord framing: streaming reader and writer with masked CRC32C, and the located errors of corrupt files. */
package dev.kiln.io.tfrecord;
