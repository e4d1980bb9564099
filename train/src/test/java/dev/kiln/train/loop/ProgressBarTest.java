package dev.kiln.train.loop;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The epoch bar in a log: whole lines, about one per tenth of the epoch, no carriage returns. */
class ProgressBarTest {
  @Test
  void aLogGetsWholeLines() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), 200);
    for (int s = 1; s <= 200; s++) {
      if (bar.wants(s)) bar.update(s, s * 256L, "loss: 0.6931");
    }
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertFalse(text.contains("\r"), text);
    String[] lines = text.split("\n");
    assertTrue(lines.length >= 10 && lines.length <= 12, text);
    for (String line : lines) assertTrue(line.endsWith("samples/s"), line);
    assertTrue(lines[lines.length - 1].startsWith("200/200 [=============================="), text);
  }
}
