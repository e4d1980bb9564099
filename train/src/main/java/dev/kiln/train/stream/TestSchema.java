package dev.kiln.train.stream;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The columns a streamed row must have, found by name: {@code date}, {@code weight}, {@code feature_0} ..
 * {@code feature_{n-1}} for the n features the model reads, and {@code ts_id}. Other columns (resp, extras) are
 * ignored. Parses a CSV line (by the header's positions) or a JSON object (by key) into a {@link TestRow}.
 */
public final class TestSchema {
  private final int features;
  private final int fields;
  private final int date, weight, tsId;
  private final int[] feature;

  private TestSchema(int features, int fields, int date, int weight, int tsId, int[] feature) {
    this.features = features;
    this.fields = fields;
    this.date = date;
    this.weight = weight;
    this.tsId = tsId;
    this.feature = feature;
  }

  /** The names every row must carry, in example_test.csv's order. */
  public static List<String> required(int features) {
    List<String> n = new ArrayList<>(List.of("date", "weight"));
    for (int j = 0; j < features; j++) n.add("feature_" + j);
    n.add("ts_id");
    return n;
  }

  /** The schema of a CSV header line; a missing or repeated required column is refused by name. */
  public static TestSchema ofHeader(String header, int features) {
    String[] names = header.split(",", -1);
    Map<String, Integer> at = new HashMap<>();
    for (int i = 0; i < names.length; i++) {
      String n = names[i].strip();
      if (at.put(n, i) != null && required(features).contains(n)) {
        throw new IllegalArgumentException("header: column '" + n + "' appears twice");
      }
    }
    for (String n : required(features)) {
      if (!at.containsKey(n)) {
        throw new IllegalArgumentException("header: no column '" + n + "' (need " + describe(features) + ")");
      }
    }
    int[] f = new int[features];
    for (int j = 0; j < features; j++) f[j] = at.get("feature_" + j);
    return new TestSchema(features, names.length, at.get("date"), at.get("weight"), at.get("ts_id"), f);
  }

  /** The schema JSON rows are read with (keys, not positions). */
  public static TestSchema ofNames(int features) {
    return new TestSchema(features, -1, -1, -1, -1, null);
  }

  static String describe(int features) {
    return "date, weight, feature_0..feature_" + (features - 1) + ", ts_id";
  }

  /** Parses a CSV line into {@code row}; the error says which column is wrong and why (the caller adds the line). */
  public void parse(String line, TestRow row) {
    String[] v = line.split(",", -1);
    if (v.length != fields) throw new IllegalArgumentException("expected " + fields + " fields, found " + v.length);
    row.date = (int) TestRow.whole("date", v[date], Integer.MIN_VALUE, Integer.MAX_VALUE);
    row.weight = TestRow.number("weight", v[weight]);
    for (int j = 0; j < features; j++) row.features[j] = TestRow.number("feature_" + j, v[feature[j]]);
    row.tsId = TestRow.whole("ts_id", v[tsId], Long.MIN_VALUE, Long.MAX_VALUE);
  }

  /** Parses a JSON object keyed by column name ({@code null} for NaN) into {@code row}. */
  public void parse(JsonNode o, TestRow row) {
    if (o == null || !o.isObject()) throw new IllegalArgumentException("the body is not a JSON object");
    row.date = (int) TestRow.whole("date", text(o, "date"), Integer.MIN_VALUE, Integer.MAX_VALUE);
    row.weight = TestRow.number("weight", text(o, "weight"));
    for (int j = 0; j < features; j++) row.features[j] = TestRow.number("feature_" + j, text(o, "feature_" + j));
    row.tsId = TestRow.whole("ts_id", text(o, "ts_id"), Long.MIN_VALUE, Long.MAX_VALUE);
  }

  /** A JSON value as the text a CSV would hold: a number's digits, "" for null; anything else is refused. */
  private static String text(JsonNode o, String key) {
    JsonNode v = o.get(key);
    if (v == null) throw new IllegalArgumentException("column '" + key + "' is missing");
    if (v.isNull()) return "";
    if (!v.isNumber()) throw new IllegalArgumentException(key + ": " + clip(v.toString()) + " is not a number or null");
    return v.asText();
  }

  private static String clip(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }
}
