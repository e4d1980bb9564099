package dev.kiln.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Every environment variable and system property Kiln reads, with its default and a line of what it does. This is the
 * one class that reads them (the {@code io} module, which does not depend on {@code core}, has its own few in
 * {@code dev.kiln.io.IoFlags}); {@code kiln flags} lists both.
 */
public final class Flags {
  private Flags() {}

  /** Where a flag is read: the process environment, a JVM system property, or only by {@code ./kiln} and scripts/. */
  public enum Source { ENV, PROPERTY, SCRIPT }

  /** One switch: its name, where it is read, its default (null: unset) and what it does. */
  public record Flag(String name, Source source, String defaultValue, String doc) {
    /** The raw value, or null when it is not set (a script's flag is never read from Java). */
    public String raw() {
      return switch (source) {
        case ENV -> System.getenv(name);
        case PROPERTY -> System.getProperty(name);
        case SCRIPT -> null;
      };
    }

    /** The value when set and not blank, else the default. */
    public String value() {
      String v = raw();
      return v == null || v.isBlank() ? defaultValue : v;
    }

    /** True when the variable is set at all (the presence switches: {@code KILN_PROFILE=1}). */
    public boolean isSet() {
      return raw() != null;
    }

    /** For on-by-default switches: false only when the value is {@code false}. */
    public boolean enabled() {
      return !"false".equalsIgnoreCase(value());
    }

    /** The value as an int; a value that is not one is an error naming the flag. */
    public int intValue() {
      String v = value();
      try {
        return Integer.parseInt(v.trim());
      } catch (NumberFormatException | NullPointerException e) {
        throw new IllegalArgumentException(name + "=" + v + " is not a whole number");
      }
    }
  }

  private static final List<Flag> ALL = new ArrayList<>();

  private static Flag env(String name, String defaultValue, String doc) {
    return add(new Flag(name, Source.ENV, defaultValue, doc));
  }

  private static Flag property(String name, String defaultValue, String doc) {
    return add(new Flag(name, Source.PROPERTY, defaultValue, doc));
  }

  private static Flag script(String name, String defaultValue, String doc) {
    return add(new Flag(name, Source.SCRIPT, defaultValue, doc));
  }

  private static Flag add(Flag f) {
    ALL.add(f);
    return f;
  }

  // Read by ./kiln and scripts/ before any Java starts
  public static final Flag JAVA_HOME = script("KILN_JAVA_HOME", null,
      "the JDK (>= 25) the launcher runs; default: the newest Temurin 25+ under /usr/lib/jvm, then java on PATH");
  public static final Flag JAVA_OPTS = script("KILN_JAVA_OPTS", null,
      "extra JVM options for every kiln command (e.g. -Dkiln.gemm.path=avx2)");
  public static final Flag PYTHON = script("KILN_PYTHON", "python3.11",
      "the Python 3.11 that scripts/make-venv.sh builds the reference venvs (JAX, TensorFlow) with");

  // Errors and diagnostics
  public static final Flag DEBUG = env("KILN_DEBUG", null, "set: errors print their stack trace after the one line");
  public static final Flag PROFILE = env("KILN_PROFILE", null,
      "set: the Java backend prints the time per op at exit");
  public static final Flag DUMP_STABLEHLO = env("KILN_DUMP_STABLEHLO", null,
      "a folder: PJRT backends also write every program they compile there");

  // The Java backend
  public static final Flag NO_FUSION = env("KILN_NO_FUSION", null,
      "set: the Java backend runs every op alone, without elementwise fusion (results are bit-identical)");
  public static final Flag FUSION_LOOPS = property("kiln.fusion.loops", "true",
      "false: fused regions always run through the chunk interpreter, never as compiled vector loops");
  public static final Flag FUSION_LOOP_WARMUP = property("kiln.fusion.loopWarmup", "true",
      "false: a fused region's compiled loop is used at once, without its background warm-up");
  public static final Flag GEMM_VECTOR_BITS = property("kiln.gemm.vectorBits", "0",
      "the GEMM's vector width in bits (256, 512); 0: the CPU's widest. The tests force 512 on any CPU");
  public static final Flag GEMM_PATH = property("kiln.gemm.path", "auto",
      "the GEMM's float32 kernel path: auto (chosen once from the vector width and the JIT's loop strip mining), "
          + "avx512, avx2 or avx2-chunked; any path runs at any vector width");
  public static final Flag RNG_COMPOSITE = env("KILN_RNG_COMPOSITE", null,
      "set: the random words and normal draws are traced as their composite graphs instead of the fused primitives "
          + "(same numbers)");

  // Plugins and the cache
  public static final Flag CACHE = env("KILN_CACHE", null,
      "Kiln's cache folder (plugins, venvs, demo data); default ~/.cache/kiln");
  public static final Flag PJRT_PLUGIN = env("KILN_PJRT_PLUGIN", null,
      "a PJRT plugin .so to load, before the cache and Python's site-packages are searched");
  public static final Flag USER_HOME = property("user.home", null, "the home folder, under which the cache lives");
  public static final Flag PATH = env("PATH", "", "searched for ptxas when the CUDA plugin is checked");
  public static final Flag LD_LIBRARY_PATH = env("LD_LIBRARY_PATH", "",
      "searched, with ldconfig's folders, for the NVIDIA driver and CUDA libraries");

  // GPU client options (JAX's names; the command-line flags win)
  public static final Flag GPU_MEMORY_FRACTION = env("XLA_PYTHON_CLIENT_MEM_FRACTION", null,
      "the share of GPU memory the CUDA plugin preallocates; the plugin's default is 0.75");
  public static final Flag GPU_PREALLOCATE = env("XLA_PYTHON_CLIENT_PREALLOCATE", null,
      "true|false: whether the CUDA plugin preallocates; the plugin's default is true");
  public static final Flag GPU_VISIBLE_DEVICES = env("JAX_CUDA_VISIBLE_DEVICES", null,
      "GPU ids such as 0,1, or all (the default)");

  // libtpu (set by Kiln in its own process when compiling for a topology, unless already set)
  public static final Flag TPU_SKIP_MDS_QUERY = env("TPU_SKIP_MDS_QUERY", null,
      "libtpu: skip the cloud metadata query; Kiln sets 1 for topology compiles");
  public static final Flag TPU_WORKER_HOSTNAMES = env("TPU_WORKER_HOSTNAMES", null,
      "libtpu: the workers' host names; Kiln sets localhost for topology compiles");
  public static final Flag ALLOW_MULTIPLE_LIBTPU_LOAD = env("ALLOW_MULTIPLE_LIBTPU_LOAD", null,
      "libtpu: let several processes load it; Kiln sets 1 for topology compiles");

  /** Every flag, in the order declared above. */
  public static List<Flag> all() {
    return Collections.unmodifiableList(ALL);
  }
}
