package dev.kiln.io.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DecimalParserTest {
  static double parse(String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    return DecimalParser.parse(b, 0, b.length);
  }

  static void same(String s) {
    assertEquals(Double.doubleToRawLongBits(Double.parseDouble(s)), Double.doubleToRawLongBits(parse(s)), s);
  }

  @Test
  void agreesWithParseDoubleBitForBit() {
    Random r = new Random(11);
    for (int i = 0; i < 200_000; i++) {
      double v = switch (i % 4) {
        case 0 -> r.nextGaussian() * 0.01;
        case 1 -> r.nextGaussian() * Math.pow(10, r.nextInt(30) - 15);
        case 2 -> Double.longBitsToDouble(r.nextLong());
        default -> r.nextInt(2000) - 1000;
      };
      if (Double.isNaN(v) || Double.isInfinite(v)) {
        continue;
      }
      same(Double.toString(v));
      same(String.format(Locale.ROOT, "%." + r.nextInt(18) + "f", v));
      same(String.format(Locale.ROOT, "%." + r.nextInt(18) + "e", v));
    }
    for (String s : new String[] {"0", "-0", "-0.0", "+1", "1.", ".5", "007", "1e22", "1e23", "9007199254740993",
        "0.000000000000000000000000001", "123456789012345678901234567890", "4.9e-324", "1.7976931348623157e308",
        "1e-400", "1e400", "-1.872745561599731", "1E5", "1e+5"}) {
      same(s);
    }
  }

  @Test
  void rejectsWhatIsNotACsvNumber() {
    for (String s : new String[] {"", "-", ".", "e5", "1e", "abc", "1.2.3", "1d", "0x10", " 1", "1 ", "Infinity",
        "1,5"}) {
      assertThrows(NumberFormatException.class, () -> parse(s), s);
    }
  }
}
