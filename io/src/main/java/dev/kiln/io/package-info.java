/** Kiln's data path: TFRecord and TensorProto, the dataset folder, and the windowed batch pipeline. */
package dev.kiln.io;
