package dev.kiln.io.dataset;

import java.nio.charset.StandardCharsets;

/**
 * Parses decimal numbers from ASCII bytes into correctly rounded doubles, as {@link Double#parseDouble} would, without
 * making a String for the common case: a number of at most 18 digits whose integer mantissa is below 2^53 and whose
 * power of ten is at most 22 in size is exact after one IEEE multiplication or division (Clinger's fast path).
 * Anything else falls back to {@link Double#parseDouble}. The CSV converter parses hundreds of millions of fields.
 */
final class DecimalParser {
  private static final double[] POW10 = new double[23];

  static {
    double p = 1;
    for (int i = 0; i < POW10.length; i++) {
      POW10[i] = p;
      p *= 10;
    }
  }

  private DecimalParser() {}

  /** Parses bytes [from, to) of {@code b}; throws NumberFormatException when they are not a number. */
  static double parse(byte[] b, int from, int to) {
    int i = from;
    boolean negative = false;
    if (i < to && (b[i] == '-' || b[i] == '+')) {
      negative = b[i] == '-';
      i++;
    }
    long mantissa = 0;
    int digits = 0;
    int exp10 = 0;
    boolean any = false;
    while (i < to && b[i] >= '0' && b[i] <= '9') {
      any = true;
      if (mantissa != 0 || b[i] != '0') {
        if (digits == 18) {
          return slow(b, from, to);
        }
        mantissa = mantissa * 10 + (b[i] - '0');
        digits++;
      }
      i++;
    }
    if (i < to && b[i] == '.') {
      i++;
      while (i < to && b[i] >= '0' && b[i] <= '9') {
        any = true;
        if (mantissa != 0 || b[i] != '0') {
          if (digits == 18) {
            return slow(b, from, to);
          }
          mantissa = mantissa * 10 + (b[i] - '0');
          digits++;
        }
        exp10--;
        i++;
      }
    }
    if (!any) {
      return slow(b, from, to);
    }
    if (i < to && (b[i] == 'e' || b[i] == 'E')) {
      i++;
      boolean expNegative = false;
      if (i < to && (b[i] == '-' || b[i] == '+')) {
        expNegative = b[i] == '-';
        i++;
      }
      int e = 0;
      int expDigits = 0;
      while (i < to && b[i] >= '0' && b[i] <= '9') {
        if (e < 100_000) {
          e = e * 10 + (b[i] - '0');
        }
        expDigits++;
        i++;
      }
      if (expDigits == 0) {
        return slow(b, from, to);
      }
      exp10 += expNegative ? -e : e;
    }
    if (i != to || mantissa > (1L << 53) || exp10 < -22 || exp10 > 22) {
      return slow(b, from, to);
    }
    double v = mantissa;
    v = exp10 < 0 ? v / POW10[-exp10] : v * POW10[exp10];
    return negative ? -v : v;
  }

  private static double slow(byte[] b, int from, int to) {
    String s = new String(b, from, to - from, StandardCharsets.ISO_8859_1);
    // Double.parseDouble also accepts Java-only forms ("1d", "0x1p3", surrounding blanks); a CSV number may not.
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      if (!(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) {
        throw new NumberFormatException("not a number: '" + s + "'");
      }
    }
    return Double.parseDouble(s);
  }
}
