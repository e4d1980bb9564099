package dev.kiln.train.stream;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
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
  /** A JSON row's keys ({@link #required}), and the position of each. */
  private final List<String> keys;
  private final Map<String, Integer> slots = new HashMap<>();

  private TestSchema(int features, int fields, int date, int weight, int tsId, int[] feature) {
    this.features = features;
    this.fields = fields;
    this.date = date;
    this.weight = weight;
    this.tsId = tsId;
    this.feature = feature;
    this.keys = required(features);
    for (int i = 0; i < keys.size(); i++) slots.put(keys.get(i), i);
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

  /**
   * Parses one JSON object keyed by column name ({@code null} for NaN) into {@code row}, token by token: a number's
   * own text is read as a CSV field would be, other keys are skipped, and a repeated key keeps its last value. A value
   * that is neither a number nor null, or a missing column, is refused by name.
   */
  public void parse(JsonParser p, TestRow row) throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) throw new IllegalArgumentException("the body is not a JSON object");
    boolean[] seen = new boolean[keys.size()];
    for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
      String key = p.currentName();
      JsonToken v = p.nextToken();
      Integer slot = slots.get(key);
      if (slot == null) {
        p.skipChildren();
        continue;
      }
      if (v != JsonToken.VALUE_NULL && !v.isNumeric()) {
        throw new IllegalArgumentException(key + ": " + clip(p.readValueAsTree().toString())
            + " is not a number or null");
      }
      String text = v == JsonToken.VALUE_NULL ? "" : p.getText();
      int s = slot;
      if (s == 0) row.date = (int) TestRow.whole("date", text, Integer.MIN_VALUE, Integer.MAX_VALUE);
      else if (s == 1) row.weight = TestRow.number("weight", text);
      else if (s == features + 2) row.tsId = TestRow.whole("ts_id", text, Long.MIN_VALUE, Long.MAX_VALUE);
      else row.features[s - 2] = TestRow.number(key, text);
      seen[s] = true;
    }
    for (int s = 0; s < seen.length; s++) {
      if (!seen[s]) throw new IllegalArgumentException("column '" + keys.get(s) + "' is missing");
    }
  }

  private static String clip(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }
}
