package dev.kiln.io.dataset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The dataset's {@code stats.json}: for each fold f, {@code stats[str(f)]["length"]}, the number of rows in all the
 * other folds (the training rows when f is the holdout). The seed sizes an epoch with it: length // batch size.
 */
public final class DatasetStats {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<Integer, Long> length;

  private DatasetStats(Map<Integer, Long> length) {
    this.length = Collections.unmodifiableMap(new TreeMap<>(length));
  }

  /** Stats of folds whose row counts are {@code rowsPerFold} (fold number to rows). */
  public static DatasetStats fromFoldRows(Map<Integer, Long> rowsPerFold) {
    long total = 0;
    for (long r : rowsPerFold.values()) {
      total += r;
    }
    Map<Integer, Long> m = new TreeMap<>();
    for (Map.Entry<Integer, Long> e : rowsPerFold.entrySet()) {
      m.put(e.getKey(), total - e.getValue());
    }
    return new DatasetStats(m);
  }

  /** Reads {@code stats.json}. */
  public static DatasetStats read(Path file) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new IOException(file + ": not a stats file (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
    }
    if (root == null || !root.isObject()) {
      throw new IOException(file + ": expected a JSON object of folds");
    }
    Map<Integer, Long> m = new TreeMap<>();
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      int fold;
      try {
        fold = Integer.parseInt(e.getKey());
      } catch (NumberFormatException x) {
        throw new IOException(file + ": key '" + e.getKey() + "' is not a fold number");
      }
      JsonNode len = e.getValue().get("length");
      if (len == null || !len.canConvertToLong() || len.asLong() < 0) {
        throw new IOException(file + ": fold " + fold + " has no non-negative integer \"length\"");
      }
      m.put(fold, len.asLong());
    }
    return new DatasetStats(m);
  }

  /** Writes {@code stats.json} atomically. */
  public void write(Path file) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    for (Map.Entry<Integer, Long> e : length.entrySet()) {
      root.putObject(Integer.toString(e.getKey())).put("length", e.getValue());
    }
    AtomicFiles.write(file, out -> JSON.writeValue(out, root));
  }

  /** The number of rows outside fold {@code fold}; an error naming the fold when stats.json lacks it. */
  public long length(int fold) {
    Long l = length.get(fold);
    if (l == null) {
      throw new IllegalArgumentException("stats.json has no fold " + fold + " (it has " + length.keySet() + ")");
    }
    return l;
  }

  /** Fold number to length. */
  public Map<Integer, Long> lengths() {
    return length;
  }
}
