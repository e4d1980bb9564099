package dev.kiln.io.pipeline;

import dev.kiln.io.dataset.Columns;
import dev.kiln.io.dataset.RowReader;
import dev.kiln.io.tfrecord.TFRecordReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The per-feature mean and population variance a Normalization layer adapts to, computed as Keras' {@code adapt()}
 * does: over a stream of batches of rows (feature columns only, the -100 fills included), each batch's mean and
 * population variance in float64, combined across batches with the parallel-variance formula of Chan et al.
 */
public final class FeatureMoments {
  private final int features;
  private final double[] mean;
  private final double[] m2;
  private final double[] batchMean;
  private final double[] batchM2;
  private long count;

  /** Empty moments of {@code features} features. */
  public FeatureMoments(int features) {
    this.features = features;
    this.mean = new double[features];
    this.m2 = new double[features];
    this.batchMean = new double[features];
    this.batchM2 = new double[features];
  }

  /** Adds a batch of {@code rows} rows given row-major in {@code data} ({@code rows × features} floats). */
  public void addBatch(float[] data, int rows) {
    if (rows == 0) {
      return;
    }
    java.util.Arrays.fill(batchMean, 0);
    java.util.Arrays.fill(batchM2, 0);
    for (int r = 0; r < rows; r++) {
      int o = r * features;
      for (int f = 0; f < features; f++) {
        batchMean[f] += data[o + f];
      }
    }
    for (int f = 0; f < features; f++) {
      batchMean[f] /= rows;
    }
    for (int r = 0; r < rows; r++) {
      int o = r * features;
      for (int f = 0; f < features; f++) {
        double d = data[o + f] - batchMean[f];
        batchM2[f] += d * d;
      }
    }
    combine(rows, batchMean, batchM2);
  }

  /** Merges another set of moments into this one. */
  public void merge(FeatureMoments other) {
    if (other.features != features) {
      throw new IllegalArgumentException("cannot merge moments of " + other.features + " features into " + features);
    }
    if (other.count > 0) {
      combine(other.count, other.mean, other.m2);
    }
  }

  private void combine(long nb, double[] meanB, double[] m2B) {
    long na = count;
    long n = na + nb;
    for (int f = 0; f < features; f++) {
      double delta = meanB[f] - mean[f];
      mean[f] += delta * nb / n;
      m2[f] += m2B[f] + delta * delta * ((double) na * nb / n);
    }
    count = n;
  }

  /**
   * Returns these moments after checking that every mean and variance is finite in float32, the type the
   * Normalization layer holds them in: finite inputs can still give a variance beyond float32's range, and a
   * normalization by an infinite variance would make the model's outputs meaningless without any error.
   */
  public FeatureMoments requireFinite() {
    double[] v = variance();
    for (int f = 0; f < features; f++) {
      if (!Float.isFinite((float) mean[f]) || !Float.isFinite((float) v[f])) {
        throw new IllegalArgumentException("the normalization statistics of feature_" + f + " are not finite in "
            + "float32 (mean " + mean[f] + ", variance " + v[f] + " over " + count + " rows); the feature's values "
            + "are too large to normalize");
      }
    }
    return this;
  }

  /** The number of rows seen. */
  public long count() {
    return count;
  }

  /** The per-feature means. */
  public double[] mean() {
    return mean.clone();
  }

  /** The per-feature population variances (divided by the count). */
  public double[] variance() {
    double[] v = new double[features];
    for (int f = 0; f < features; f++) {
      v[f] = count == 0 ? 0 : m2[f] / count;
    }
    return v;
  }

  /**
   * The adapt stream of the seed: every row of {@code files} (the training folds), feature columns only, in batches
   * of {@code batchSize}, streamed from disk with bounded memory.
   */
  public static FeatureMoments adapt(List<Path> files, Columns columns, int batchSize, TFRecordReader.Options options)
      throws IOException {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
    }
    FeatureMoments m = new FeatureMoments(Columns.FEATURES);
    float[] batch = new float[batchSize * Columns.FEATURES];
    float[] row = new float[columns.count()];
    int n = 0;
    for (Path file : files) {
      try (RowReader reader = RowReader.open(file, columns, options)) {
        while (reader.next(row, 0)) {
          System.arraycopy(row, columns.feature0(), batch, n * Columns.FEATURES, Columns.FEATURES);
          if (++n == batchSize) {
            m.addBatch(batch, n);
            n = 0;
          }
        }
      }
    }
    m.addBatch(batch, n);
    return m.requireFinite();
  }

  /** The same adapt stream over rows already loaded: every row of the shards, in order, in batches. */
  public static FeatureMoments adapt(List<Shard> shards, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
    }
    FeatureMoments m = new FeatureMoments(Columns.FEATURES);
    float[] batch = new float[batchSize * Columns.FEATURES];
    int n = 0;
    for (Shard s : shards) {
      float[] x = s.features();
      int r = 0;
      while (r < s.rows()) {
        int take = Math.min(batchSize - n, s.rows() - r);
        System.arraycopy(x, r * Columns.FEATURES, batch, n * Columns.FEATURES, take * Columns.FEATURES);
        n += take;
        r += take;
        if (n == batchSize) {
          m.addBatch(batch, n);
          n = 0;
        }
      }
    }
    m.addBatch(batch, n);
    return m.requireFinite();
  }
}
