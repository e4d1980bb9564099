package dev.kiln.core.cpu;

import dev.kiln.core.Flags;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * An opt-in per-op profile of the Java backend: with {@code KILN_PROFILE=1} in the environment, the time spent in
 * each primitive (keyed by op and result type) is summed and printed to stderr when the JVM exits. {@code kiln bench}
 * restarts it after its warm-up steps, so that its figures are steady state: the first steps run the Vector API's
 * interpreted fallbacks until the JIT has compiled them, and took most of a short profile's time in some ops.
 */
public final class Profile {
  static final boolean ENABLED = Flags.PROFILE.isSet();
  private static final Map<String, LongAdder[]> TIMES = new ConcurrentHashMap<>();

  static {
    if (ENABLED) {
      Runtime.getRuntime().addShutdownHook(new Thread(Profile::print));
    }
  }

  private Profile() {}

  /** Forgets what was summed so far (a no-op without {@code KILN_PROFILE}). */
  public static void restart() {
    TIMES.clear();
  }

  static void add(String key, long nanos) {
    LongAdder[] a = TIMES.computeIfAbsent(key, k -> new LongAdder[] {new LongAdder(), new LongAdder()});
    a[0].add(nanos);
    a[1].increment();
  }

  private static void print() {
    long total = TIMES.values().stream().mapToLong(a -> a[0].sum()).sum();
    System.err.printf("java backend profile: %.2f s in kernels%n", total / 1e9);
    TIMES.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue()[0].sum(), x.getValue()[0].sum())).limit(25)
        .forEach(e -> System.err.printf("  %6.2f s %5.1f%% %7d x  %s%n", e.getValue()[0].sum() / 1e9,
            100.0 * e.getValue()[0].sum() / Math.max(1, total), e.getValue()[1].sum(), e.getKey()));
  }
}
