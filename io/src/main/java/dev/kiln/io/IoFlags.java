package dev.kiln.io;

import java.util.List;

/**
 * The switches the {@code io} module reads (it does not depend on {@code core}, whose {@code Flags} declares the rest);
 * {@code kiln flags} lists both. This is the one class in {@code io} that reads the environment or system properties.
 */
public final class IoFlags {
  private IoFlags() {}

  /** One switch: name, whether it is an environment variable (else a system property), default and doc. */
  public record Flag(String name, boolean env, String defaultValue, String doc) {
    /** The raw value, or null when unset. */
    public String raw() {
      return env ? System.getenv(name) : System.getProperty(name);
    }

    public boolean isSet() {
      return raw() != null;
    }

    /** True only when the value is {@code true}. */
    public boolean isTrue() {
      return Boolean.parseBoolean(raw());
    }
  }

  public static final Flag PLAIN_PROGRESS = new Flag("KILN_PLAIN_PROGRESS", true, null,
      "set: progress bars print whole lines, never redraw in place");
  public static final Flag STDOUT_TTY = new Flag("kiln.stdout.tty", false, "false",
      "set by ./kiln: whether stdout is a terminal (progress bars redraw in place there)");
  public static final Flag STDERR_TTY = new Flag("kiln.stderr.tty", false, "false",
      "set by ./kiln: whether stderr is a terminal");

  public static List<Flag> all() {
    return List.of(PLAIN_PROGRESS, STDOUT_TTY, STDERR_TTY);
  }
}
