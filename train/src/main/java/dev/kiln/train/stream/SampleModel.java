package dev.kiln.train.stream;

/**
 * One sample's model call, as the predictor makes it: write the sample into {@link #input()} at
 * {@link #inputOffset()}, then {@link #run()} gives the output's units (valid until the next call).
 */
interface SampleModel extends AutoCloseable {
  float[] input();

  int inputOffset();

  float[] run();

  int units();

  @Override
  void close();
}
