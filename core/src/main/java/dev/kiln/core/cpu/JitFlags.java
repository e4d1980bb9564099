package dev.kiln.core.cpu;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * The running JVM's settings that change how C2 compiles Kiln's kernels, read once. A kernel whose registers are all
 * in use compiles without spilling only in some loop shapes, and which shape C2 builds depends on these settings, not
 * only on the source; {@link GemmPath#choose} picks the AVX2 kernel's loop by them.
 */
final class JitFlags {
  /**
   * Whether C2 strip-mines counted loops ({@code -XX:LoopStripMiningIter} above 0: a safepoint poll every N
   * iterations in an outer loop C2 adds). HotSpot turns it on with G1, ZGC and Shenandoah and leaves it off with the
   * Serial and Parallel collectors, so it changes with {@code -XX:+UseSerialGC}, and with the JVM's own choice of
   * Serial on a machine of one CPU or under 1,792 MB. True where the flag cannot be read (a runtime without the
   * {@code jdk.management} module): the default of every server-class machine.
   */
  static final boolean LOOP_STRIP_MINING = loopStripMining();

  private JitFlags() {}

  private static boolean loopStripMining() {
    try {
      HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      return Long.parseLong(vm.getVMOption("LoopStripMiningIter").getValue()) > 0;
    } catch (RuntimeException | LinkageError e) {
      return true;
    }
  }
}
