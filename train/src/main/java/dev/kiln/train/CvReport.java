package dev.kiln.train;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The splits' validation figures side by side: per split the dates and the figures its {@code metrics.json} holds,
 * which are those of the model {@code kiln train} leaves (the last epoch's, or the best epoch's when EarlyStopping
 * restored its weights); then their mean, population standard deviation (numpy's {@code np.std}) and the mean
 * weighted by {@code --weights}. Printed as a table and written to {@code OUT/cv.json}. Of a model with several
 * outputs, {@code val_loss} is the total and the AUC, precision and recall are the action output's
 * ({@code val_action_auc}, ...), which cv.json names as {@code action_output}.
 */
public final class CvReport {
  /** The report's file in the cross-validation's folder. */
  public static final String FILE = "cv.json";
  /** The figures reported, as metrics.json names them. */
  public static final List<String> METRICS = List.of("val_loss", "val_auc", "val_precision", "val_recall",
      "utility_score");

  /**
   * One split's dates, the epoch its figures are of ("last" or "best"), the figures, and the action output they
   * are of (null for a model with one output).
   */
  public record Row(PurgedSplits.Split split, int epoch, String epochKind, Map<String, Double> metrics,
      String action) {
    /** Reads split {@code s}'s figures from the metrics.json and history.json of its run in {@code dir}. */
    static Row read(PurgedSplits.Split s, Path dir) throws IOException {
      JsonNode m = Trainer.JSON.readTree(dir.resolve(RunReports.METRICS).toFile());
      JsonNode h = Trainer.JSON.readTree(dir.resolve(RunReports.HISTORY).toFile());
      Map<String, Double> figures = new LinkedHashMap<>();
      String action = m.hasNonNull("action_output") ? m.get("action_output").asText() : null;
      for (String k : METRICS) {
        String key = action == null || !k.startsWith("val_") || k.equals("val_loss") ? k
            : "val_" + action + "_" + k.substring("val_".length());
        JsonNode v = m.get(key);
        if (v == null || !v.isNumber()) {
          throw new IOException(dir.resolve(RunReports.METRICS) + " has no number " + key);
        }
        figures.put(k, v.asDouble());
      }
      JsonNode es = m.get("early_stopping");
      boolean best = es != null && es.path("restored_best_weights").asBoolean();
      int epoch = best ? es.get("best_epoch").asInt() : h.path("val_loss").size();
      return new Row(s, epoch, best ? "best" : "last", figures, action);
    }
  }

  private final List<Row> rows;
  private final double[] weights;
  private final Map<String, Object> settings;

  /**
   * The report of {@code rows}, weighted by {@code weights} (one per row, non-negative, not all 0); {@code settings}
   * (the split's flags) are written with it.
   */
  public CvReport(List<Row> rows, double[] weights, Map<String, Object> settings) {
    if (weights.length != rows.size()) {
      throw new IllegalArgumentException(weights.length + " weights for " + rows.size() + " splits");
    }
    this.rows = List.copyOf(rows);
    this.weights = weights.clone();
    this.settings = new LinkedHashMap<>(settings);
  }

  public List<Row> rows() {
    return rows;
  }

  /** Each figure's mean over the splits. */
  public Map<String, Double> mean() {
    return weightedMean(equalWeights());
  }

  /** Each figure's mean under the weights. */
  public Map<String, Double> weightedMean() {
    return weightedMean(weights);
  }

  /** Each figure's population standard deviation over the splits. */
  public Map<String, Double> std() {
    Map<String, Double> mean = mean(), out = new LinkedHashMap<>();
    for (String k : METRICS) {
      double ss = 0;
      for (Row r : rows) ss += (r.metrics().get(k) - mean.get(k)) * (r.metrics().get(k) - mean.get(k));
      out.put(k, Math.sqrt(ss / rows.size()));
    }
    return out;
  }

  private double[] equalWeights() {
    double[] w = new double[rows.size()];
    java.util.Arrays.fill(w, 1);
    return w;
  }

  private Map<String, Double> weightedMean(double[] w) {
    double total = 0;
    for (double x : w) total += x;
    Map<String, Double> out = new LinkedHashMap<>();
    for (String k : METRICS) {
      double sum = 0;
      for (int i = 0; i < rows.size(); i++) sum += w[i] * rows.get(i).metrics().get(k);
      out.put(k, sum / total);
    }
    return out;
  }

  /** The table printed at the end: a line per split, then the mean, standard deviation and weighted mean. */
  public String table() {
    StringBuilder b = new StringBuilder(String.format("%-6s %-16s %-16s %-10s", "split", "train dates",
        "valid dates", "epoch"));
    for (String k : METRICS) b.append(String.format(" %13s", k));
    b.append('\n');
    for (Row r : rows) {
      PurgedSplits.Split s = r.split();
      b.append(String.format("%-6d %-16s %-16s %-10s", s.index(), s.dateSplit().train() + " (" + s.trainDates() + ")",
          s.dateSplit().valid() + " (" + s.validDates() + ")", r.epoch() + " (" + r.epochKind() + ")"));
      for (String k : METRICS) b.append(String.format(" %13.6f", r.metrics().get(k)));
      b.append('\n');
    }
    line(b, "mean", mean());
    line(b, "std", std());
    line(b, "weighted mean", weightedMean());
    String action = action();
    if (action != null) {
      b.append("val_auc, val_precision and val_recall are those of output '").append(action).append("'\n");
    }
    return b.toString();
  }

  /** The action output the figures are of, or null for a model with one output. */
  private String action() {
    return rows.isEmpty() ? null : rows.get(0).action();
  }

  private static void line(StringBuilder b, String name, Map<String, Double> figures) {
    b.append(String.format("%-51s", name));
    for (String k : METRICS) b.append(String.format(" %13.6f", figures.get(k)));
    b.append('\n');
  }

  /** Writes the report as JSON to {@code file}, atomically. */
  public void write(Path file) throws IOException {
    List<Map<String, Object>> splits = new ArrayList<>();
    for (Row r : rows) {
      PurgedSplits.Split s = r.split();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("split", s.index());
      m.put("folder", CrossValidation.folder(Path.of(""), s.index()).toString());
      m.put("train_dates", List.of(s.trainFirst(), s.trainLast()));
      m.put("train_date_count", s.trainDates());
      m.put("valid_dates", List.of(s.validFirst(), s.validLast()));
      m.put("valid_date_count", s.validDates());
      m.put("epoch", r.epoch());
      m.put("epoch_kind", r.epochKind());
      m.putAll(r.metrics());
      splits.add(m);
    }
    Map<String, Object> root = new LinkedHashMap<>(settings);
    if (action() != null) root.put("action_output", action());
    root.put("per_split", splits);
    root.put("weights", weights);
    root.put("mean", mean());
    root.put("std", std());
    root.put("weighted_mean", weightedMean());
    Trainer.writeJson(file, root);
  }
}
