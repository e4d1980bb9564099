package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The kiln command line run in this JVM, as the CLI tests use it. */
public final class KilnCli {
  private KilnCli() {}

  /** What a command did: its exit code, standard output (where training prints progress) and error output. */
  public record Result(int code, String out, String err) {}

  public static Result run(List<String> args) {
    return run(args.toArray(String[]::new));
  }

  public static Result run(String... args) {
    StringWriter err = new StringWriter(), picocliOut = new StringWriter();
    var cl = Main.commandLine();
    cl.setErr(new PrintWriter(err, true));
    cl.setOut(new PrintWriter(picocliOut, true));
    PrintStream was = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      int rc = cl.execute(args);
      return new Result(rc, picocliOut + printed.toString(StandardCharsets.UTF_8), err.toString());
    } finally {
      System.setOut(was);
    }
  }

  /** The one line a misuse prints (exit code 1, a single line of error output), stripped. */
  public static String oneLineError(String... args) {
    Result r = run(args);
    assertEquals(1, r.code(), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    return r.err().strip();
  }
}
