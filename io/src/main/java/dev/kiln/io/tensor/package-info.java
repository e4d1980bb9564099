/** The TensorProto codec (Kiln's own tensor.proto subset of TensorFlow's) and the io module's host tensor values. */
package dev.kiln.io.tensor;
