package dev.kiln.io.pipeline;

import java.util.List;

/**
 * The windows of a set of shards, computed once: which window starts lie within one date, and the order in which the
 * seed's pipeline meets them. A window is identified by a long: shard index in the high 32 bits, first row in the low.
 *
 * <p>The order is the seed's: each file is cut into raw windows (shift 1), the files are interleaved round-robin one
 * window per file (files that run out drop out of the cycle), and only then are multi-date windows filtered out. So a
 * file's cross-date windows still take their turn in the cycle, exactly as tf.data's interleave-then-filter orders them.
 */
public final class WindowIndex {
  private final List<Shard> shards;
  private final int window;
  private final long[] order;
  private final long[] perShard;

  /** Indexes the single-date windows of {@code window} rows of {@code shards}, in this shard order. */
  public WindowIndex(List<Shard> shards, int window) {
    if (window < 1) {
      throw new IllegalArgumentException("window must be at least 1, got " + window);
    }
    this.shards = List.copyOf(shards);
    this.window = window;
    boolean[][] ok = new boolean[shards.size()][];
    int maxRaw = 0;
    long total = 0;
    perShard = new long[shards.size()];
    for (int s = 0; s < ok.length; s++) {
      ok[s] = shards.get(s).singleDateStarts(window);
      maxRaw = Math.max(maxRaw, ok[s].length);
      for (boolean b : ok[s]) {
        if (b) {
          perShard[s]++;
        }
      }
      total += perShard[s];
    }
    if (total > Integer.MAX_VALUE - 64) {
      throw new IllegalArgumentException(total + " windows are more than one index holds");
    }
    order = new long[(int) total];
    int n = 0;
    for (int k = 0; k < maxRaw; k++) {
      for (int s = 0; s < ok.length; s++) {
        if (k < ok[s].length && ok[s][k]) {
          order[n++] = id(s, k);
        }
      }
    }
  }

  /** The id of the window of shard {@code shard} starting at row {@code start}. */
  public static long id(int shard, int start) {
    return ((long) shard << 32) | (start & 0xffffffffL);
  }

  /** The shard index of window {@code id}. */
  public static int shardOf(long id) {
    return (int) (id >>> 32);
  }

  /** The first row of window {@code id}. */
  public static int startOf(long id) {
    return (int) id;
  }

  /** The number of single-date windows. */
  public int size() {
    return order.length;
  }

  /** The single-date windows of shard {@code s}. */
  public long windowsOf(int s) {
    return perShard[s];
  }

  /** Rows per window. */
  public int window() {
    return window;
  }

  /** The shards, in interleave order. */
  public List<Shard> shards() {
    return shards;
  }

  /** Window {@code i} of the seed's deterministic order. */
  public long get(int i) {
    return order[i];
  }

  /** The seed's deterministic order; a copy. */
  public long[] order() {
    return order.clone();
  }

  long[] orderArray() {
    return order;
  }
}
