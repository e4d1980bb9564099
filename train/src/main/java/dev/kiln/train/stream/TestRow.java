package dev.kiln.train.stream;

import java.util.Locale;

/**
 * One test row as the competition served it, in reusable storage: date, weight, the features (NaN where missing)
 * and ts_id. The parsers fill it; a value that is not a number is refused with the column's name.
 */
public final class TestRow {
  int date;
  float weight;
  long tsId;
  final float[] features;

  public TestRow(int features) {
    this.features = new float[features];
  }

  public int date() {
    return date;
  }

  public float weight() {
    return weight;
  }

  public long tsId() {
    return tsId;
  }

  /** The features, NaN where missing (the array is reused by the next parse). */
  public float[] features() {
    return features;
  }

  /** A decimal number as float32 (rounded once from its exact value), or NaN for an empty field or "nan". */
  static float number(String column, String text) {
    String s = text.strip();
    if (s.isEmpty() || s.equalsIgnoreCase("nan")) return Float.NaN;
    double d = decimal(column, s);
    float v = (float) d;
    if (Float.isInfinite(v)) throw new IllegalArgumentException(column + ": '" + clip(s) + "' is infinite in float32");
    return v;
  }

  /** A whole number that fits a long (dates and ts_ids), which may not be missing. */
  static long whole(String column, String text, long min, long max) {
    String s = text.strip();
    if (s.isEmpty() || s.equalsIgnoreCase("nan")) throw new IllegalArgumentException(column + " is missing");
    double d = decimal(column, s);
    if (d != Math.rint(d) || d < min || d > max) {
      throw new IllegalArgumentException(column + ": '" + clip(s) + "' is not a whole number in range");
    }
    return (long) d;
  }

  private static double decimal(String column, String s) {
    // Plain decimal notation only: Java's parser would also take "Infinity", hex and a trailing 'd' or 'f'.
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) {
        throw new IllegalArgumentException(column + ": '" + clip(s) + "' is not a number");
      }
    }
    try {
      return Double.parseDouble(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(column + ": '" + clip(s) + "' is not a number");
    }
  }

  private static String clip(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "row ts_id %d (date %d)", tsId, date);
  }
}
