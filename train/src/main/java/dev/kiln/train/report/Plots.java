package dev.kiln.train.report;

import dev.kiln.io.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Stroke;
import java.awt.geom.Line2D;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTitleAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.Range;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Draws the notebook's six figures as 800×500 PNG files, so a run can be judged by the same pictures the notebook
 * shows: the learning curve, the training and validation metrics per epoch, and the precision/recall and ROC curves
 * of the validation predictions. Titles, axis labels, legends, line styles and the [0, 1] axes follow the notebook's
 * matplotlib/seaborn calls (figsize 8×5, grid on); epochs are numbered from 0, as the notebook's plots number them.
 *
 * <p>Charts are drawn with JFreeChart in headless mode (no display needed). Each file is written atomically.
 */
public final class Plots {
  static {
    System.setProperty("java.awt.headless", "true");
  }

  /** Width of every figure in pixels. */
  public static final int WIDTH = 800;
  /** Height of every figure in pixels. */
  public static final int HEIGHT = 500;

  /** The files {@link #writeAll} writes into {@code plots/}, in the notebook's order. */
  public static final List<String> FILES = List.of("loss.png", "training_metrics.png", "validation_metrics.png",
      "precision_recall_threshold.png", "precision_recall.png", "roc.png");

  /** The history series the figures need (Keras names). */
  public static final List<String> HISTORY_KEYS = List.of("loss", "val_loss", "precision", "recall", "auc",
      "val_precision", "val_recall", "val_auc");

  // matplotlib's default colour cycle (seaborn's lineplot uses it too) and its "b" and "g" format colours.
  static final Color C0 = new Color(0x1f77b4);
  static final Color C1 = new Color(0xff7f0e);
  static final Color C2 = new Color(0x2ca02c);
  static final Color BLUE = new Color(0x0000ff);
  static final Color GREEN = new Color(0x008000);

  private static final Color GRID = new Color(0xb0b0b0);
  private static final String FONT = Font.SANS_SERIF;
  /** Points closer than this fraction of an axis range to the last drawn point add nothing visible (< 0.5 px). */
  private static final double DECIMATE = 1.0 / 2000;

  private Plots() {}

  /**
   * Writes the six figures into {@code dir/plots/} and returns their paths.
   *
   * @param history per-epoch values under the Keras names in {@link #HISTORY_KEYS}
   * @param probabilities the model's predicted probabilities on the validation set
   * @param labels the matching labels (positive when greater than 0)
   * @throws IllegalArgumentException when a history series is missing, or the predictions are invalid for
   *     {@link Curves}
   */
  public static List<Path> writeAll(Path dir, Map<String, List<Double>> history, float[] probabilities,
      float[] labels) throws IOException {
    if (history == null) {
      throw new IllegalArgumentException("history must be given");
    }
    for (String key : HISTORY_KEYS) {
      if (history.get(key) == null) {
        throw new IllegalArgumentException("history has no \"" + key + "\" series (it has " + history.keySet()
            + "); the plots need " + HISTORY_KEYS);
      }
    }
    Curves.PrecisionRecall pr = Curves.precisionRecall(probabilities, labels);
    Curves.Roc roc = Curves.roc(probabilities, labels);

    List<JFreeChart> charts = List.of(
        perEpoch("Loss", history, new String[] {"loss", "val_loss"},
            new String[] {"Training loss", "Validation loss"}),
        perEpoch("Training metrics", history, new String[] {"precision", "recall", "auc"},
            new String[] {"Precision", "Recall", "Area under ROC curve"}),
        perEpoch("Validation metrics", history, new String[] {"val_precision", "val_recall", "val_auc"},
            new String[] {"Precision", "Recall", "Area under ROC curve"}),
        precisionRecallAtThreshold(pr),
        unitChart("Precision at recall", "Recall", "Precision",
            series("Precision", pr.recall(), pr.precision(), pr.recall().length), BLUE, solid(2.5f)),
        unitChart("ROC curve", "False positive rate", "True positive rate",
            series("ROC", roc.fpr(), roc.tpr(), roc.fpr().length), C0, solid(2.5f)));

    Path out = dir.resolve("plots");
    List<Path> written = new ArrayList<>();
    for (int i = 0; i < FILES.size(); i++) {
      Path file = out.resolve(FILES.get(i));
      JFreeChart chart = charts.get(i);
      AtomicFiles.write(file, o -> ChartUtils.writeChartAsPNG(o, chart, WIDTH, HEIGHT));
      written.add(file);
    }
    return written;
  }

  // ---- the figures ----

  private static JFreeChart perEpoch(String title, Map<String, List<Double>> history, String[] keys,
      String[] labels) {
    Color[] colors = {C0, C1, C2};
    XYSeriesCollection data = new XYSeriesCollection();
    XYLineAndShapeRenderer renderer = renderer();
    for (int s = 0; s < keys.length; s++) {
      List<Double> values = history.get(keys[s]);
      XYSeries series = new XYSeries(labels[s], false, true);
      for (int e = 0; e < values.size(); e++) {
        Double v = values.get(e);
        series.add(e, v == null ? Double.NaN : v, false);
      }
      data.addSeries(series);
      renderer.setSeriesPaint(s, colors[s]);
      renderer.setSeriesStroke(s, solid(2f));
    }
    NumberAxis x = axis("Epoch");
    x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    NumberAxis y = axis(null);
    y.setAutoRangeIncludesZero(false);
    XYPlot plot = plot(data, x, y, renderer);
    addLegend(plot, data);
    return chart(title, plot);
  }

  private static JFreeChart precisionRecallAtThreshold(Curves.PrecisionRecall pr) {
    int n = pr.thresholds().length; // precision and recall without their final (1, 0) point, as the notebook
    XYSeriesCollection data = new XYSeriesCollection();
    data.addSeries(series("Precision", pr.thresholds(), pr.precision(), n));
    data.addSeries(series("Recall", pr.thresholds(), pr.recall(), n));
    XYLineAndShapeRenderer renderer = renderer();
    renderer.setSeriesPaint(0, BLUE);
    renderer.setSeriesStroke(0, new BasicStroke(2.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f,
        new float[] {10f, 4.5f}, 0f));
    renderer.setSeriesPaint(1, GREEN);
    renderer.setSeriesStroke(1, solid(2.5f));
    XYPlot plot = plot(data, unitAxis("Threshold"), unitAxis(null), renderer);
    addLegend(plot, data);
    return chart("Precision/recall at threshold", plot);
  }

  private static JFreeChart unitChart(String title, String xLabel, String yLabel, XYSeries series, Color color,
      Stroke stroke) {
    XYSeriesCollection data = new XYSeriesCollection(series);
    XYLineAndShapeRenderer renderer = renderer();
    renderer.setSeriesPaint(0, color);
    renderer.setSeriesStroke(0, stroke);
    return chart(title, plot(data, unitAxis(xLabel), unitAxis(yLabel), renderer));
  }

  // ---- building blocks ----

  /** The first {@code n} points (x[i], y[i]), in order, without those too close to the last kept one to show. */
  private static XYSeries series(String name, double[] x, double[] y, int n) {
    XYSeries s = new XYSeries(name, false, true);
    double xTol = DECIMATE * span(x, n);
    double yTol = DECIMATE * span(y, n);
    double lastX = Double.NaN;
    double lastY = Double.NaN;
    for (int i = 0; i < n; i++) {
      boolean far = !(Math.abs(x[i] - lastX) < xTol && Math.abs(y[i] - lastY) < yTol);
      if (far || i == n - 1) {
        s.add(x[i], y[i], false);
        lastX = x[i];
        lastY = y[i];
      }
    }
    return s;
  }

  private static double span(double[] v, int n) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      if (Double.isFinite(v[i])) {
        lo = Math.min(lo, v[i]);
        hi = Math.max(hi, v[i]);
      }
    }
    return hi > lo ? hi - lo : 0;
  }

  private static BasicStroke solid(float width) {
    return new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
  }

  private static XYLineAndShapeRenderer renderer() {
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
    r.setDrawSeriesLineAsPath(true); // one path per series: dashes run on across points, and long curves draw fast
    r.setLegendLine(new Line2D.Double(-14, 0, 14, 0));
    return r;
  }

  private static NumberAxis axis(String label) {
    NumberAxis a = new NumberAxis(label);
    a.setLabelFont(new Font(FONT, Font.PLAIN, 14));
    a.setTickLabelFont(new Font(FONT, Font.PLAIN, 12));
    a.setTickLabelPaint(Color.BLACK);
    a.setLabelPaint(Color.BLACK);
    a.setAxisLineVisible(false); // the plot outline draws the frame, as matplotlib's spines
    a.setTickMarkPaint(Color.BLACK);
    a.setTickMarkOutsideLength(4f);
    return a;
  }

  private static NumberAxis unitAxis(String label) {
    NumberAxis a = axis(label);
    a.setRange(0, 1);
    a.setTickUnit(new NumberTickUnit(0.2, new DecimalFormat("0.0")));
    return a;
  }

  private static XYPlot plot(XYSeriesCollection data, NumberAxis x, NumberAxis y, XYLineAndShapeRenderer r) {
    XYPlot plot = new XYPlot(data, x, y, r);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setOutlinePaint(Color.BLACK);
    plot.setOutlineStroke(new BasicStroke(1f));
    plot.setAxisOffset(RectangleInsets.ZERO_INSETS);
    BasicStroke grid = new BasicStroke(0.8f);
    plot.setDomainGridlinesVisible(true);
    plot.setRangeGridlinesVisible(true);
    plot.setDomainGridlinePaint(GRID);
    plot.setRangeGridlinePaint(GRID);
    plot.setDomainGridlineStroke(grid);
    plot.setRangeGridlineStroke(grid);
    return plot;
  }

  private static JFreeChart chart(String title, XYPlot plot) {
    JFreeChart chart = new JFreeChart(title, new Font(FONT, Font.PLAIN, 17), plot, false);
    chart.setBackgroundPaint(Color.WHITE);
    chart.setPadding(new RectangleInsets(6, 8, 8, 20));
    TextTitle t = chart.getTitle();
    t.setPaint(Color.BLACK);
    t.setMargin(4, 0, 6, 0);
    return chart;
  }

  /**
   * Puts the legend inside the plot, in the first corner (in matplotlib's order: upper right, upper left, lower left,
   * lower right) that the fewest curve points fall under, as matplotlib's {@code loc="best"} does.
   */
  private static void addLegend(XYPlot plot, XYSeriesCollection data) {
    LegendTitle legend = new LegendTitle(plot);
    legend.setPosition(RectangleEdge.RIGHT); // stacks the items in a column, as matplotlib does
    legend.setItemFont(new Font(FONT, Font.PLAIN, 13));
    legend.setBackgroundPaint(new Color(255, 255, 255, 220));
    legend.setFrame(new BlockBorder(new Color(0xcccccc)));
    legend.setPadding(new RectangleInsets(3, 6, 3, 6));
    legend.setItemLabelPadding(new RectangleInsets(2, 4, 2, 2));

    double w = 0.34;
    double h = 0.05 + 0.065 * data.getSeriesCount();
    double[][] corners = {{1 - w, 1 - h}, {0, 1 - h}, {0, 0}, {1 - w, 0}};
    RectangleAnchor[] anchors = {RectangleAnchor.TOP_RIGHT, RectangleAnchor.TOP_LEFT, RectangleAnchor.BOTTOM_LEFT,
        RectangleAnchor.BOTTOM_RIGHT};
    double[][] at = {{0.985, 0.975}, {0.015, 0.975}, {0.015, 0.025}, {0.985, 0.025}};
    Range xr = plot.getDomainAxis().getRange();
    Range yr = plot.getRangeAxis().getRange();
    int best = 0;
    long bestCount = Long.MAX_VALUE;
    for (int c = 0; c < corners.length; c++) {
      long count = 0;
      for (int s = 0; s < data.getSeriesCount(); s++) {
        XYSeries series = data.getSeries(s);
        for (int i = 0; i < series.getItemCount(); i++) {
          double fx0 = frac(series.getX(i).doubleValue(), xr);
          double fy0 = frac(series.getY(i).doubleValue(), yr);
          int next = Math.min(i + 1, series.getItemCount() - 1);
          double fx1 = frac(series.getX(next).doubleValue(), xr);
          double fy1 = frac(series.getY(next).doubleValue(), yr);
          for (int k = 0; k < 16; k++) { // sample along the segment to the next point
            double fx = fx0 + (fx1 - fx0) * k / 16;
            double fy = fy0 + (fy1 - fy0) * k / 16;
            if (fx >= corners[c][0] && fx <= corners[c][0] + w && fy >= corners[c][1] && fy <= corners[c][1] + h) {
              count++;
            }
          }
        }
      }
      if (count < bestCount) {
        bestCount = count;
        best = c;
      }
    }
    XYTitleAnnotation a = new XYTitleAnnotation(at[best][0], at[best][1], legend, anchors[best]);
    a.setMaxWidth(0.5);
    plot.addAnnotation(a);
  }

  private static double frac(double v, Range r) {
    return (v - r.getLowerBound()) / r.getLength();
  }
}
