package dev.kiln.train.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * One place lists every switch: no main class other than {@code Flags} and {@code IoFlags} reads the environment or a
 * system property, every {@code KILN_*} variable and {@code -Dkiln.*} property the scripts use is declared, and
 * {@code kiln flags} prints each declared one.
 */
class FlagsCommandTest {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Pattern READ =
      Pattern.compile("System\\.getenv|System\\.getProperty|Boolean\\.getBoolean|Integer\\.getInteger|Long\\.getLong");

  @Test
  void onlyTheTwoFlagClassesReadTheEnvironmentOrProperties() throws IOException {
    Set<String> readers = new TreeSet<>();
    for (String module : List.of("core", "ops", "io", "tpu", "train", "bench")) {
      Path src = ROOT.resolve(module).resolve("src/main/java");
      try (Stream<Path> files = Files.walk(src)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          if (READ.matcher(Files.readString(f)).find()) readers.add(f.getFileName().toString());
        }
      }
    }
    assertEquals(Set.of("Flags.java", "IoFlags.java"), readers);
  }

  @Test
  void everySwitchTheScriptsUseIsDeclared() throws IOException {
    Set<String> declared = new TreeSet<>();
    FlagsCommand.rows().forEach(r -> declared.add(r.name()));
    Set<String> used = new TreeSet<>();
    Pattern p = Pattern.compile("\\bKILN_[A-Z_]+|(?<=-D)kiln\\.[A-Za-z.]+[A-Za-z]");
    List<Path> scripts = new java.util.ArrayList<>(List.of(ROOT.resolve("kiln"), ROOT.resolve("pom.xml"),
        ROOT.resolve("core/pom.xml")));
    for (String dir : List.of(".ci", "scripts")) {
      try (Stream<Path> s = Files.list(ROOT.resolve(dir))) {
        s.filter(Files::isRegularFile).forEach(scripts::add);
      }
    }
    for (Path f : scripts) {
      Matcher m = p.matcher(Files.readString(f));
      while (m.find()) if (!m.group().startsWith("kiln.test.")) used.add(m.group());
    }
    used.removeAll(declared);
    assertEquals(Set.of(), used, "switches used by the scripts but not declared in Flags or IoFlags");
  }

  @Test
  void theCommandPrintsEveryDeclaredFlagWithItsDoc() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    FlagsCommand.print(FlagsCommand.rows(), new PrintStream(buf, true, StandardCharsets.UTF_8));
    String out = buf.toString(StandardCharsets.UTF_8);
    for (FlagsCommand.Row r : FlagsCommand.rows()) {
      assertTrue(out.contains(r.name()) && out.contains(r.doc()), r.name() + " missing from kiln flags");
    }
    assertTrue(out.contains("kiln.gemm.path") && out.contains("KILN_NO_FUSION") && out.contains("KILN_PLAIN_PROGRESS"));
  }
}
