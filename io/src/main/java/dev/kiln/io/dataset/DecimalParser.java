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
    boolean negative = i < to && b[i] == '-';
    if (i < to && (b[i] == '-' || b[i] == '+')) i++;
    long mantissa = 0;
    int digits = 0;
    int exp10 = 0;
    boolean any = false;
    boolean dot = false;
    for (; i < to; i++) {
      byte c = b[i];
      if (c == '.' && !dot) {
        dot = true;
        continue;
      }
      if (c < '0' || c > '9') break;
      any = true;
      if (mantissa != 0 || c != '0') {
        if (digits == 18) return slow(b, from, to);
        mantissa = mantissa * 10 + (c - '0');
        digits++;
      }
      if (dot) exp10--;
    }
    if (!any) return slow(b, from, to);
    if (i < to && (b[i] == 'e' || b[i] == 'E')) {
      long e = exponent(b, i + 1, to);
      if (e == NO_EXPONENT) return slow(b, from, to);
      i = (int) (e >>> 32);
      exp10 += (int) e;
    }
    if (i != to || mantissa > (1L << 53) || exp10 < -22 || exp10 > 22) return slow(b, from, to);
    double v = mantissa;
    v = exp10 < 0 ? v / POW10[-exp10] : v * POW10[exp10];
    return negative ? -v : v;
  }

  private static final long NO_EXPONENT = -1L;

  /**
   * The exponent's digits from {@code i} (an optional sign first): the index after them in the high 32 bits and the
   * signed value (saturated near 100,000) in the low 32, or {@link #NO_EXPONENT} when there are no digits.
   */
  private static long exponent(byte[] b, int i, int to) {
    boolean negative = false;
    if (i < to && (b[i] == '-' || b[i] == '+')) {
      negative = b[i] == '-';
      i++;
    }
    int e = 0;
    int start = i;
    for (; i < to && b[i] >= '0' && b[i] <= '9'; i++) {
      if (e < 100_000) e = e * 10 + (b[i] - '0');
    }
    if (i == start) return NO_EXPONENT;
    return ((long) i << 32) | ((negative ? -e : e) & 0xFFFFFFFFL);
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
