package dev.kiln.train.cli;

import dev.kiln.core.Flags;
import dev.kiln.io.IoFlags;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code kiln flags}: every environment variable and system property Kiln reads, its default, its value here. */
@Command(name = "flags", mixinStandardHelpOptions = true,
    description = "List every environment variable and JVM property Kiln reads, with its default and current value.")
public final class FlagsCommand implements Runnable {

  /** One row of the listing. */
  record Row(String kind, String name, String defaultValue, String current, String doc) {}

  @Override
  public void run() {
    print(rows(), System.out);
  }

  static List<Row> rows() {
    List<Row> rows = new ArrayList<>();
    for (Flags.Flag f : Flags.all()) {
      String kind = switch (f.source()) {
        case ENV -> "env";
        case PROPERTY -> "-D";
        case SCRIPT -> "script";
      };
      rows.add(new Row(kind, f.name(), f.defaultValue(), f.source() == Flags.Source.SCRIPT ? null : f.raw(),
          f.doc()));
    }
    for (IoFlags.Flag f : IoFlags.all()) {
      rows.add(new Row(f.env() ? "env" : "-D", f.name(), f.defaultValue(), f.raw(), f.doc()));
    }
    return rows;
  }

  static void print(List<Row> rows, PrintStream out) {
    out.println("Environment variables (env), JVM properties (-D, set through KILN_JAVA_OPTS) and those only ./kiln and scripts/ read (script).");
    for (Row r : rows) {
      String dflt = r.defaultValue() == null ? "unset" : r.defaultValue().isEmpty() ? "empty" : r.defaultValue();
      String cur = r.current();
      if (cur != null && cur.length() > 40) cur = cur.substring(0, 37) + "...";
      String now = cur == null ? "" : "  (now: " + cur + ")";
      out.printf("%-9s %-31s default %s%s%n", r.kind(), r.name(), dflt, now);
      out.printf("          %s%n", r.doc());
    }
  }
}
