package dev.kiln.train.stream;

import java.util.Arrays;
import java.util.Locale;

/** Nanosecond durations, one per row, summarized as p50, p99 and max in microseconds. */
final class Latencies {
  private long[] nanos = new long[1024];
  private int n;

  void add(long ns) {
    if (n == nanos.length) nanos = Arrays.copyOf(nanos, n * 2);
    nanos[n++] = ns;
  }

  int count() {
    return n;
  }

  /** "p50 12.3 us, p99 45.6 us, max 78.9 us" (nearest-rank percentiles), or "no rows". */
  String summary() {
    if (n == 0) return "no rows";
    long[] s = Arrays.copyOf(nanos, n);
    Arrays.sort(s);
    return String.format(Locale.ROOT, "p50 %.1f us, p99 %.1f us, max %.1f us", rank(s, 0.50) / 1e3,
        rank(s, 0.99) / 1e3, s[n - 1] / 1e3);
  }

  private static long rank(long[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }
}
