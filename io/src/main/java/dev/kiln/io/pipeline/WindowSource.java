package dev.kiln.io.pipeline;

import java.util.SplittableRandom;

/**
 * A stream of window ids: the seed's order once (validation), repeated (training input), through a shuffle buffer
 * (the seed's training order), or a fresh permutation each pass. Sources permute ids, never data.
 */
interface WindowSource {
  /** The next window id, or -1 at the end. */
  long next();

  /** The order once, then the end. */
  static WindowSource once(long[] order) {
    return new WindowSource() {
      private int i;

      @Override
      public long next() {
        return i < order.length ? order[i++] : -1;
      }
    };
  }

  /** The order again and again ({@code repeat()}); empty when the order is. */
  static WindowSource repeat(long[] order) {
    return new WindowSource() {
      private int i;

      @Override
      public long next() {
        if (order.length == 0) {
          return -1;
        }
        if (i == order.length) {
          i = 0;
        }
        return order[i++];
      }
    };
  }

  /** Each pass a fresh uniformly random permutation of the order, passes back to back. */
  static WindowSource permutations(long[] order, SplittableRandom rnd) {
    return new WindowSource() {
      private final long[] perm = order.clone();
      private int i = perm.length;

      @Override
      public long next() {
        if (perm.length == 0) {
          return -1;
        }
        if (i == perm.length) {
          for (int k = perm.length - 1; k > 0; k--) {
            int j = rnd.nextInt(k + 1);
            long t = perm[k];
            perm[k] = perm[j];
            perm[j] = t;
          }
          i = 0;
        }
        return perm[i++];
      }
    };
  }
}
