package dev.kiln.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link JitFlags} against HotSpot's documented defaults, in child JVMs: loop strip mining is on with G1 and ZGC and
 * off with the Serial and Parallel collectors, which is what decides Gemm's AVX2 loop.
 */
class JitFlagsTest {
  /** Prints what JitFlags read in this JVM. */
  public static final class Probe {
    public static void main(String[] args) {
      System.out.println("loopStripMining=" + JitFlags.LOOP_STRIP_MINING);
    }
  }

  @Test
  void readsLoopStripMiningPerCollector() throws Exception {
    assertEquals("loopStripMining=true", probe("-XX:+UseG1GC"));
    assertEquals("loopStripMining=false", probe("-XX:+UseSerialGC"));
    assertEquals("loopStripMining=false", probe("-XX:+UseParallelGC"));
    assertEquals("loopStripMining=true", probe("-XX:+UseSerialGC", "-XX:+UseCountedLoopSafepoints",
        "-XX:LoopStripMiningIter=1000"));
  }

  private static String probe(String... jvmArgs) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java));
    cmd.addAll(List.of(jvmArgs));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Probe.class.getName()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed: " + out);
    return out;
  }
}
