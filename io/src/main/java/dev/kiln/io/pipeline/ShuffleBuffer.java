package dev.kiln.io.pipeline;

import java.util.SplittableRandom;

/**
 * tf.data's {@code shuffle(buffer_size)} over window ids: the buffer is kept full from upstream, and each output is a
 * uniformly chosen element of the buffer, whose slot the next upstream element takes. Put after {@code repeat()}, it
 * mixes the end of one pass with the start of the next, as the seed's training stream does.
 */
final class ShuffleBuffer implements WindowSource {
  private final WindowSource upstream;
  private final long[] buffer;
  private final SplittableRandom rnd;
  private int count;
  private boolean upstreamDone;

  ShuffleBuffer(WindowSource upstream, int size, SplittableRandom rnd) {
    if (size < 1) {
      throw new IllegalArgumentException("shuffle buffer size must be at least 1, got " + size);
    }
    this.upstream = upstream;
    this.buffer = new long[size];
    this.rnd = rnd;
  }

  @Override
  public long next() {
    while (!upstreamDone && count < buffer.length) {
      long id = upstream.next();
      if (id < 0) {
        upstreamDone = true;
      } else {
        buffer[count++] = id;
      }
    }
    if (count == 0) {
      return -1;
    }
    int i = rnd.nextInt(count);
    long out = buffer[i];
    buffer[i] = buffer[--count];
    return out;
  }

  /** The ids drawn from upstream and not yet emitted. */
  long[] buffered() {
    return java.util.Arrays.copyOf(buffer, count);
  }
}
