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
      if (len == null || !len.isIntegralNumber() || !len.canConvertToLong() || len.asLong() < 0) {
        throw new IOException(file + ": fold " + fold + "'s \"length\" must be a non-negative whole number of rows"
            + ", got " + (len == null ? "none" : len.toString()));
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

  /**
   * The seed's steps per epoch when fold {@code fold} is the holdout: max(1, length // batchSize), computed in long;
   * an error when it does not fit an int.
   */
  public int stepsPerEpoch(int fold, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
    }
    long steps = Math.max(1, length(fold) / batchSize);
    if (steps > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("stats.json's length " + length(fold) + " for fold " + fold + " gives "
          + steps + " steps of " + batchSize + " per epoch, more than " + Integer.MAX_VALUE
          + "; pass --steps-per-epoch");
    }
    return (int) steps;
  }

  /** Fold number to length. */
  public Map<Integer, Long> lengths() {
    return length;
  }
}
