package dev.kiln.train.stream;

/**
 * One sample's model call, as the predictor makes it: write the sample into {@link #input()} at
 * {@link #inputOffset()}, then {@link #run()} gives the output's units (valid until the next call).
 */
interface SampleModel extends AutoCloseable {
  float[] input();

  int inputOffset();

  float[] run();

  /** As {@link #run} for a window that is the last one run moved on by one row (a model may compute less). */
  default float[] slide() {
    return run();
  }

  int units();

  @Override
  void close();
}
