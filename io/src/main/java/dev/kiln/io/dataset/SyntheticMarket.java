package dev.kiln.io.dataset;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.io.AtomicFiles;
import dev.kiln.io.Progress;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * A synthetic market with the schema of Kaggle's {@code train.csv}, for training and testing Kiln when the real data
 * is not at hand. It writes a dataset folder exactly as the converter would (NaN already filled), plus
 * {@code synthetic.json} with the settings and {@code ceiling_auc}.
 *
 * <p>What it plants: days of varying size (some under 20 rows, which give no window); weight with about 17% zeros;
 * resp of order 1e-2 with resp_1..4 correlated to it; feature_0 = ±1; features 1..129 in correlated groups driven by a
 * shared market factor and group factors, some heavy-tailed, some with NaN runs at the start of the day and scattered
 * NaNs (filled with the fill value); and a signal: features 1..8 observe a persistent latent process, and
 * P(resp &gt; 0) = sigmoid(strength · z) where z is the mean of those features over the last {@value #LOOKBACK} rows of
 * the day. A windowed model sees all of that in its window, so the AUC of the true probability on the holdout fold's
 * windows is the ceiling a model can approach.
 */
public final class SyntheticMarket {
  /** Rows of the day the signal averages over. */
  public static final int LOOKBACK = 10;
  /** Features carrying the signal: feature_1 .. feature_{SIGNAL_FEATURES}. */
  public static final int SIGNAL_FEATURES = 8;

  private static final int GROUP_SIZE = 11;
  private static final int[] NAN_GROUPS = {1, 4, 8};
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The generator's settings. {@code window} is the window size the ceiling is measured on; the holdout fold is the
   * last one, as in the seed.
   */
  public record Settings(int days, int rowsPerDay, long seed, int folds, int filesPerFold, float nanFill,
      double signalStrength, int window) {
    /** The seed's scale: 500 days of about 4,800 rows, 5 folds of 5 files, seed 42. */
    public static Settings defaults() {
      return new Settings(500, 4800, 42, 5, 5, -100f, 1.0, 20);
    }

    /** Checks the settings. */
    public Settings {
      if (days < 1 || rowsPerDay < 1) {
        throw new IllegalArgumentException("--days and --rows-per-day must be at least 1, got " + days + " and "
            + rowsPerDay);
      }
      if ((long) days < (long) folds * filesPerFold) {
        throw new IllegalArgumentException(folds + " folds x " + filesPerFold + " files need at least "
            + (long) folds * filesPerFold + " days, got " + days);
      }
      if (window < 1) {
        throw new IllegalArgumentException("window must be at least 1, got " + window);
      }
    }

    /** The same settings with another seed. */
    public Settings withSeed(long s) {
      return new Settings(days, rowsPerDay, s, folds, filesPerFold, nanFill, signalStrength, window);
    }
  }

  /** What was generated. */
  public record Result(long rows, long holdoutWindows, double ceilingAuc) {}

  private SyntheticMarket() {}

  /** Generates the dataset folder {@code out}; progress goes to {@code progress} (null for none). */
  public static Result generate(Path out, Settings s, PrintStream progress) throws IOException {
    Columns columns = Columns.standard();
    DateBlocks blocks = new DateBlocks(0, s.days() - 1, s.folds(), s.filesPerFold());
    int holdout = s.folds() - 1;
    SplittableRandom root = new SplittableRandom(s.seed());
    int[] sizes = daySizes(s, root.split());
    long total = 0;
    long holdoutRows = 0;
    for (int d = 0; d < s.days(); d++) {
      total += sizes[d];
      if (blocks.fold(d) == holdout) {
        holdoutRows += Math.max(0, sizes[d] - s.window() + 1);
      }
    }
    if (holdoutRows > Integer.MAX_VALUE - 64) {
      throw new IllegalArgumentException("the holdout fold would have " + holdoutRows + " windows; too many to rank");
    }
    double[] ceilingScores = new double[(int) holdoutRows];
    boolean[] ceilingLabels = new boolean[(int) holdoutRows];
    int ceilingN = 0;
    Progress bar = new Progress(progress, "synth:", total);
    long tsId = 0;
    try (DatasetWriter writer = new DatasetWriter(out, columns, s.folds(), s.filesPerFold())) {
      DayGenerator gen = new DayGenerator(columns, s);
      for (int d = 0; d < s.days(); d++) {
        SplittableRandom rnd = root.split();
        int fold = blocks.fold(d);
        int file = blocks.file(d);
        gen.startDay(d, sizes[d], rnd);
        for (int t = 0; t < sizes[d]; t++) {
          float[] row = gen.row(t, tsId++);
          writer.write(fold, file, row);
          if (fold == holdout && t >= s.window() - 1) {
            ceilingScores[ceilingN] = gen.probability();
            ceilingLabels[ceilingN] = row[columns.resp()] > 0;
            ceilingN++;
          }
        }
        bar.update(tsId, tsId + " rows");
      }
      bar.finish(tsId, tsId + " rows");
      double auc = Auc.exact(ceilingScores, ceilingLabels, ceilingN);
      long windows = ceilingN;
      long rows = total;
      writer.addFile("synthetic.json", file -> writeSettings(file, s, rows, holdout, windows, auc));
      writer.commit();
      return new Result(rows, windows, auc);
    }
  }

  /** Day sizes: about rowsPerDay, varying by day, with about 3% of days (and at least one) under 20 rows. */
  private static int[] daySizes(Settings s, SplittableRandom rnd) {
    int[] sizes = new int[s.days()];
    for (int d = 0; d < s.days(); d++) {
      boolean tiny = rnd.nextDouble() < 0.03 || d == s.days() / 2;
      if (tiny) {
        sizes[d] = 1 + rnd.nextInt(19);
      } else {
        double f = Math.exp(0.35 * rnd.nextGaussian());
        sizes[d] = (int) Math.max(1, Math.round(s.rowsPerDay() * Math.min(2.5, Math.max(0.2, f))));
      }
    }
    return sizes;
  }

  private static void writeSettings(Path file, Settings s, long rows, int holdout, long windows, double auc)
      throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("generator", "kiln synthetic market 1");
    root.put("days", s.days());
    root.put("rows_per_day", s.rowsPerDay());
    root.put("seed", s.seed());
    root.put("folds", s.folds());
    root.put("files_per_fold", s.filesPerFold());
    root.put("nan_fill", s.nanFill());
    ObjectNode signal = root.putObject("signal");
    signal.put("strength", s.signalStrength());
    signal.put("lookback_rows", LOOKBACK);
    ArrayNode feats = signal.putArray("features");
    for (int j = 1; j <= SIGNAL_FEATURES; j++) {
      feats.add("feature_" + j);
    }
    signal.put("rule", "P(resp > 0) = sigmoid(strength * mean over the last lookback rows of the day of the mean of"
        + " the signal features)");
    root.put("rows", rows);
    root.put("holdout_fold", holdout);
    root.put("window", s.window());
    root.put("holdout_windows", windows);
    root.put("ceiling_auc", auc);
    AtomicFiles.write(file, out -> JSON.writerWithDefaultPrettyPrinter().writeValue(out, root));
  }

  /** Generates the rows of one day, keeping the day's latent processes. */
  private static final class DayGenerator {
    private final Columns cols;
    private final Settings s;
    private final int groups;
    private final double[] groupState;
    private final double[] loadMarket;
    private final double[] loadGroup;
    private final double[] noise;
    private final boolean[] heavy;
    private final double[] recent = new double[LOOKBACK];
    private final float[] row;
    private SplittableRandom rnd;
    private int date;
    private double market;
    private double latent;
    private double recentSum;
    private int nanStart;
    private double probability;

    DayGenerator(Columns cols, Settings s) {
      this.cols = cols;
      this.s = s;
      int rest = Columns.FEATURES - 1 - SIGNAL_FEATURES;
      this.groups = (rest + GROUP_SIZE - 1) / GROUP_SIZE;
      this.groupState = new double[groups];
      this.loadMarket = new double[Columns.FEATURES];
      this.loadGroup = new double[Columns.FEATURES];
      this.noise = new double[Columns.FEATURES];
      this.heavy = new boolean[Columns.FEATURES];
      this.row = new float[cols.count()];
      // Fixed loadings for the whole market, from the seed.
      SplittableRandom r = new SplittableRandom(s.seed() ^ 0x5DEECE66DL);
      for (int j = SIGNAL_FEATURES + 1; j < Columns.FEATURES; j++) {
        double m = r.nextDouble(-0.8, 0.8);
        double g = r.nextDouble(0.4, 0.9);
        double norm = Math.sqrt(m * m + g * g + 0.2);
        loadMarket[j] = m / norm;
        loadGroup[j] = g / norm;
        noise[j] = Math.sqrt(0.2) / norm;
        heavy[j] = r.nextDouble() < 0.25;
      }
    }

    void startDay(int d, int n, SplittableRandom r) {
      this.rnd = r;
      this.date = d;
      this.market = rnd.nextGaussian();
      this.latent = rnd.nextGaussian();
      for (int g = 0; g < groups; g++) {
        groupState[g] = rnd.nextGaussian();
      }
      this.nanStart = (int) Math.round(n * rnd.nextDouble(0.02, 0.15));
      this.recentSum = 0;
    }

    /** Row {@code t} of the day. The row array is reused. */
    float[] row(int t, long tsId) {
      market = 0.9 * market + Math.sqrt(1 - 0.81) * rnd.nextGaussian();
      latent = 0.8 * latent + 0.6 * rnd.nextGaussian();
      for (int g = 0; g < groups; g++) {
        groupState[g] = 0.7 * groupState[g] + Math.sqrt(1 - 0.49) * rnd.nextGaussian();
      }
      int f0 = cols.feature0();
      row[f0] = rnd.nextBoolean() ? 1f : -1f;
      double observed = 0;
      for (int j = 1; j <= SIGNAL_FEATURES; j++) {
        float v = (float) (latent + 0.5 * rnd.nextGaussian());
        row[f0 + j] = v;
        observed += v;
      }
      observed /= SIGNAL_FEATURES;
      for (int j = SIGNAL_FEATURES + 1; j < Columns.FEATURES; j++) {
        int g = (j - SIGNAL_FEATURES - 1) / GROUP_SIZE;
        double v = loadMarket[j] * market + loadGroup[j] * groupState[g] + noise[j] * rnd.nextGaussian();
        if (heavy[j]) {
          v *= Math.exp(0.6 * rnd.nextGaussian() - 0.18);
        }
        row[f0 + j] = (float) v;
      }
      for (int g : NAN_GROUPS) {
        boolean missing = t < nanStart || rnd.nextDouble() < 0.01;
        if (missing) {
          int from = SIGNAL_FEATURES + 1 + g * GROUP_SIZE;
          int to = Math.min(Columns.FEATURES, from + GROUP_SIZE);
          for (int j = from; j < to; j++) {
            row[f0 + j] = s.nanFill();
          }
        }
      }
      // The planted signal: the mean of the observed signal features over the last LOOKBACK rows of the day.
      int slot = t % LOOKBACK;
      if (t >= LOOKBACK) {
        recentSum -= recent[slot];
      }
      recent[slot] = observed;
      recentSum += observed;
      double z = recentSum / Math.min(t + 1, LOOKBACK);
      probability = 1 / (1 + Math.exp(-s.signalStrength() * z));
      double magnitude = 0.01 * Math.exp(0.6 * rnd.nextGaussian() - 0.5);
      double resp = rnd.nextDouble() < probability ? magnitude : -magnitude;
      row[cols.date()] = date;
      row[cols.weight()] = rnd.nextDouble() < 0.17 ? 0f : (float) Math.exp(rnd.nextGaussian() - 0.5);
      row[cols.indexOf("resp_1")] = (float) (0.3 * resp + 0.003 * rnd.nextGaussian());
      row[cols.indexOf("resp_2")] = (float) (0.5 * resp + 0.004 * rnd.nextGaussian());
      row[cols.indexOf("resp_3")] = (float) (0.8 * resp + 0.004 * rnd.nextGaussian());
      row[cols.indexOf("resp_4")] = (float) (1.2 * resp + 0.005 * rnd.nextGaussian());
      row[cols.resp()] = (float) resp;
      row[cols.tsId()] = tsId;
      return row;
    }

    /** The true P(resp &gt; 0) of the row last generated. */
    double probability() {
      return probability;
    }
  }
}
