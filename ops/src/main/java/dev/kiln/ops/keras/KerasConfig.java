package dev.kiln.ops.keras;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One layer's Keras config, read field by field: every field a layer uses is read through a typed getter, every
 * field it can only take at one value (a regularizer that must be null, channels_last, an initializer Kiln
 * implements) is checked with {@link #require}, and {@link #finish} fails on any field left over. So no field Keras
 * writes is silently ignored, and each error names the layer, the field, and what is supported.
 */
public final class KerasConfig {
  private final String className;
  private final String layer;
  private final JsonNode node;
  private final Set<String> seen = new LinkedHashSet<>();

  public KerasConfig(String className, String layer, JsonNode node) {
    this.className = className;
    this.layer = layer;
    this.node = node;
  }

  public String layer() {
    return layer;
  }

  public String className() {
    return className;
  }

  /** The error for this layer's {@code field}. */
  public IllegalArgumentException error(String field, String problem) {
    return new IllegalArgumentException("layer '" + layer + "' (" + className + "): " + field + " " + problem);
  }

  private JsonNode field(String f) {
    seen.add(f);
    return node.get(f);
  }

  public boolean has(String f) {
    return node.has(f) && !node.get(f).isNull();
  }

  public int getInt(String f, int dflt) {
    JsonNode v = field(f);
    if (v == null || v.isNull()) return dflt;
    if (!v.canConvertToInt() || !v.isIntegralNumber()) throw error(f, "is " + v + ", expected an integer");
    return v.intValue();
  }

  public double getDouble(String f, double dflt) {
    JsonNode v = field(f);
    if (v == null || v.isNull()) return dflt;
    if (!v.isNumber()) throw error(f, "is " + v + ", expected a number");
    return v.doubleValue();
  }

  public boolean getBool(String f, boolean dflt) {
    JsonNode v = field(f);
    if (v == null || v.isNull()) return dflt;
    if (!v.isBoolean()) throw error(f, "is " + v + ", expected true or false");
    return v.booleanValue();
  }

  /** A string that must be one of {@code allowed}. */
  public String getChoice(String f, String dflt, List<String> allowed) {
    JsonNode v = field(f);
    String s = v == null || v.isNull() ? dflt : v.asText();
    if (!allowed.contains(s)) throw error(f, "'" + s + "' is not supported; supported: " + String.join(", ", allowed));
    return s;
  }

  /** An int or a one-element list of ints (Keras writes kernel_size [5]). */
  public int getOne(String f, int dflt) {
    JsonNode v = field(f);
    if (v == null || v.isNull()) return dflt;
    if (v.isArray()) {
      if (v.size() != 1 || !v.get(0).isIntegralNumber()) throw error(f, "is " + v + ", expected one integer");
      return v.get(0).intValue();
    }
    if (!v.isIntegralNumber()) throw error(f, "is " + v + ", expected an integer");
    return v.intValue();
  }

  /** The raw value (for shapes), or null. */
  public JsonNode raw(String f) {
    return field(f);
  }

  /** Accepts the field whatever its value: for fields that do not change what Kiln computes. */
  public void accept(String f) {
    field(f);
  }

  /**
   * Requires the field to be absent or equal to one of {@code values} (JSON-compared; a String value also matches a
   * Keras initializer/regularizer object by its class_name).
   */
  public void require(String f, Object... values) {
    JsonNode v = field(f);
    if (v == null) return;
    for (Object want : values) {
      if (want == null ? v.isNull() : matches(v, want)) return;
    }
    List<String> allowed = new ArrayList<>();
    for (Object w : values) allowed.add(String.valueOf(w));
    throw error(f, "is " + (v.isObject() && v.has("class_name") ? v.get("class_name").asText() : v.toString())
        + "; supported: " + String.join(", ", allowed));
  }

  private static boolean matches(JsonNode v, Object want) {
    if (v.isObject() && v.has("class_name")) return v.get("class_name").asText().equals(want);
    if (want instanceof String s) return v.isTextual() && v.asText().equals(s);
    if (want instanceof Boolean b) return v.isBoolean() && v.booleanValue() == b;
    if (want instanceof Number n) return v.isNumber() && v.doubleValue() == n.doubleValue();
    if (want instanceof List<?> l) {
      if (!v.isArray() || v.size() != l.size()) return false;
      for (int i = 0; i < l.size(); i++) if (!matches(v.get(i), l.get(i))) return false;
      return true;
    }
    return Objects.equals(v.toString(), String.valueOf(want));
  }

  /** The fields every layer has: name (read already), trainable (true), dtype (float32). */
  public void common() {
    accept("name");
    require("trainable", true);
    require("dtype", "float32");
  }

  /** Fails on any field no getter, require or accept has looked at. */
  public void finish() {
    List<String> left = new ArrayList<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!seen.contains(f)) left.add(f);
    }
    if (!left.isEmpty()) {
      throw new IllegalArgumentException("layer '" + layer + "' (" + className + "): unsupported config field(s) "
          + left + "; Kiln reads " + seen);
    }
  }
}
