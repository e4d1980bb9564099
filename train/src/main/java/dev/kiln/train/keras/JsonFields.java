package dev.kiln.train.keras;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;

/**
 * One JSON object of a Keras config read field by field: each field is honoured (read), accepted as a value that
 * changes nothing, or, left unread at {@link #finish}, rejected by its path. Errors name the path:
 * {@code training_config.optimizer_config.config.clipnorm}.
 */
final class JsonFields {
  private final JsonNode node;
  private final String path;
  private final Set<String> read = new HashSet<>();

  JsonFields(JsonNode node, String path) {
    if (node == null || !node.isObject()) throw new IllegalArgumentException(path + ": expected a JSON object, got " + node);
    this.node = node;
    this.path = path;
  }

  String path(String field) {
    return path + "." + field;
  }

  /** The field (missing or JSON null: null), marked read. */
  JsonNode get(String field) {
    read.add(field);
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v;
  }

  double number(String field, double dflt) {
    JsonNode v = get(field);
    if (v == null) return dflt;
    if (!v.isNumber()) throw error(field, v, "a number");
    return v.doubleValue();
  }

  boolean bool(String field, boolean dflt) {
    JsonNode v = get(field);
    if (v == null) return dflt;
    if (!v.isBoolean()) throw error(field, v, "true or false");
    return v.booleanValue();
  }

  String text(String field) {
    JsonNode v = get(field);
    if (v != null && !v.isTextual()) throw error(field, v, "a string");
    return v == null ? null : v.textValue();
  }

  /** Accepts a field whose value changes nothing in Kiln (a name, a dtype). */
  void accept(String... fields) {
    for (String f : fields) read.add(f);
  }

  /** The field must be absent, null, or one of {@code allowed} (compared as JSON text). */
  void require(String field, String why, Object... allowed) {
    JsonNode v = get(field);
    if (v == null) return;
    for (Object a : allowed) if (v.asText().equals(String.valueOf(a))) return;
    throw new IllegalArgumentException(path(field) + " is " + v + ": " + why);
  }

  IllegalArgumentException error(String field, JsonNode v, String expected) {
    return new IllegalArgumentException(path(field) + " is " + v + ", expected " + expected);
  }

  /** Rejects every field not read, by name. */
  void finish() {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!read.contains(f)) {
        throw new IllegalArgumentException(path(f) + " (" + node.get(f) + ") is not supported by Kiln");
      }
    }
  }
}
