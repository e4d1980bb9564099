package dev.kiln.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Progress in a log is whole lines at each tenth; on a terminal it redraws one line in place. */
class ProgressTest {
  @Test
  void aLogGetsWholeLinesWithoutCarriageReturns() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream log = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    assertFalse(Terminal.redraws(log), "a stream that is not stdout or stderr is never a terminal");
    Progress p = new Progress(log, "inspect:", 1000);
    for (int i = 0; i <= 1000; i++) p.update(i, "rows " + i);
    p.finish(1000, "done");
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertFalse(text.contains("\r"), text);
    String[] lines = text.split("\n");
    assertEquals(11, lines.length, text); // 0%, 10%, ..., 90% and the final line
    for (String line : lines) assertTrue(line.startsWith("inspect: ["), line);
    assertTrue(lines[10].contains("100.0% done"), lines[10]);
  }

  @Test
  void aTerminalRedrawsInPlace() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Progress p = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), "synth:", 10, true);
    p.update(5, "");
    p.finish(10, "");
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertTrue(text.startsWith("\rsynth: ["), text);
    assertEquals(1, text.chars().filter(c -> c == '\n').count(), text);
  }
}
