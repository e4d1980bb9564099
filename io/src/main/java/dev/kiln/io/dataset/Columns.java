package dev.kiln.io.dataset;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The column map of a dataset ({@code columns.json}): column name to its index in a row, as the seed's data has it.
 * Readers find the date, resp, weight, ts_id and the contiguous feature block through it, as the seed notebook does.
 */
public final class Columns {
  /** The number of feature columns ({@code feature_0 .. feature_129}). */
  public static final int FEATURES = 130;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, Integer> index;
  private final List<String> names;
  private final int date;
  private final int weight;
  private final int resp;
  private final int tsId;
  private final int feature0;

  private Columns(Map<String, Integer> index) {
    this.index = Collections.unmodifiableMap(new LinkedHashMap<>(index));
    String[] byIndex = new String[index.size()];
    for (Map.Entry<String, Integer> e : index.entrySet()) {
      int i = e.getValue();
      if (i < 0 || i >= byIndex.length || byIndex[i] != null) {
        throw new IllegalArgumentException("column indices must be 0.." + (byIndex.length - 1)
            + ", each used once; '" + e.getKey() + "' has " + i);
      }
      byIndex[i] = e.getKey();
    }
    this.names = List.of(byIndex);
    this.date = require("date");
    this.weight = require("weight");
    this.resp = require("resp");
    this.tsId = require("ts_id");
    this.feature0 = require("feature_0");
    for (int f = 1; f < FEATURES; f++) {
      int at = require("feature_" + f);
      if (at != feature0 + f) {
        throw new IllegalArgumentException("feature columns must be contiguous: feature_" + f + " is column " + at
            + ", expected " + (feature0 + f));
      }
    }
  }

  private int require(String name) {
    Integer i = index.get(name);
    if (i == null) {
      throw new IllegalArgumentException("column map has no '" + name + "' column");
    }
    return i;
  }

  /** The 138 columns of Kaggle's train.csv, in its order. */
  public static Columns standard() {
    return new Columns(indexOf(standardNames()));
  }

  /** The names of train.csv's columns in order: date, weight, resp_1..4, resp, feature_0..129, ts_id. */
  public static List<String> standardNames() {
    List<String> n = new ArrayList<>();
    n.add("date");
    n.add("weight");
    for (int i = 1; i <= 4; i++) {
      n.add("resp_" + i);
    }
    n.add("resp");
    for (int i = 0; i < FEATURES; i++) {
      n.add("feature_" + i);
    }
    n.add("ts_id");
    return List.copyOf(n);
  }

  /** Columns named in order. */
  public static Columns of(List<String> names) {
    return new Columns(indexOf(names));
  }

  private static Map<String, Integer> indexOf(List<String> names) {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      if (m.put(names.get(i), i) != null) {
        throw new IllegalArgumentException("column '" + names.get(i) + "' appears twice");
      }
    }
    return m;
  }

  /** Reads {@code columns.json}. */
  public static Columns read(Path file) throws IOException {
    Map<String, Integer> m;
    try {
      m = JSON.readValue(file.toFile(), new TypeReference<LinkedHashMap<String, Integer>>() {});
    } catch (java.io.FileNotFoundException e) {
      throw new NoSuchFileException(file.toString(), null, "no columns.json");
    } catch (IOException e) {
      throw new IOException(file + ": not a column map (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
    }
    try {
      return new Columns(m);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  /** Writes {@code columns.json} atomically. */
  public void write(Path file) throws IOException {
    AtomicFiles.write(file, out -> JSON.writeValue(out, index));
  }

  /** The number of columns in a row. */
  public int count() {
    return names.size();
  }

  /** The column names in index order. */
  public List<String> names() {
    return names;
  }

  /** The index of {@code name}, or -1. */
  public int indexOf(String name) {
    return index.getOrDefault(name, -1);
  }

  /** The name-to-index map, in file order. */
  public Map<String, Integer> asMap() {
    return index;
  }

  /** The index of the date column. */
  public int date() {
    return date;
  }

  /** The index of the weight column. */
  public int weight() {
    return weight;
  }

  /** The index of the resp column. */
  public int resp() {
    return resp;
  }

  /** The index of the ts_id column. */
  public int tsId() {
    return tsId;
  }

  /** The index of feature_0; features 0..129 follow it contiguously. */
  public int feature0() {
    return feature0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Columns c && c.names.equals(names);
  }

  @Override
  public int hashCode() {
    return names.hashCode();
  }
}
