/** TensorBoard event files: TFRecord files of TensorFlow's {@code Event} messages, as {@code tf.summary} writes them. */
package dev.kiln.io.events;
