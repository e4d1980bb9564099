package dev.kiln.io.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.io.tfrecord.TFRecordReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticMarketTest {
  static final SyntheticMarket.Settings SETTINGS = new SyntheticMarket.Settings(40, 300, 7, 4, 2, -100f, 1.0, 20);

  @TempDir static Path dir;
  static Path data;
  static SyntheticMarket.Result result;
  static List<float[]> rows = new ArrayList<>();
  static Map<Integer, Integer> foldOfDate = new LinkedHashMap<>();

  @BeforeAll
  static void generate() throws IOException {
    data = dir.resolve("synth");
    result = SyntheticMarket.generate(data, SETTINGS, null);
    DatasetFolder folder = DatasetFolder.open(data);
    for (int f : folder.folds()) {
      for (Path p : folder.files(f)) {
        try (RowReader r = RowReader.open(p, 138, TFRecordReader.Options.DEFAULT)) {
          float[] row = new float[138];
          while (r.next(row, 0)) {
            rows.add(row.clone());
            foldOfDate.put((int) row[0], f);
          }
        }
      }
    }
  }

  @Test
  void writesTheDatasetLayout() throws IOException {
    DatasetFolder folder = DatasetFolder.open(data);
    assertEquals(List.of(0, 1, 2, 3), folder.folds());
    for (int f = 0; f < 4; f++) {
      assertEquals(List.of(data.resolve("fold" + f + "/0.tfrec"), data.resolve("fold" + f + "/1.tfrec")),
          folder.files(f));
    }
    assertEquals(result.rows(), rows.size());
    long[] perFold = new long[4];
    for (float[] r : rows) {
      perFold[foldOfDate.get((int) r[0])]++;
    }
    DatasetStats stats = folder.stats();
    for (int f = 0; f < 4; f++) {
      assertEquals(rows.size() - perFold[f], stats.length(f));
    }
  }

  @Test
  void rowsHaveTheSchemaOfTrainCsv() {
    int zeroWeights = 0;
    int nanFills = 0;
    long ts = 0;
    Map<Integer, Integer> daySize = new LinkedHashMap<>();
    for (float[] r : rows) {
      for (float v : r) {
        assertFalse(Float.isNaN(v), "NaNs are filled");
      }
      assertEquals(ts++, (long) r[137], "ts_id counts rows");
      assertTrue(r[7] == 1f || r[7] == -1f, "feature_0 is +-1");
      assertTrue(r[1] >= 0);
      if (r[1] == 0) {
        zeroWeights++;
      }
      assertTrue(Math.abs(r[6]) > 0 && Math.abs(r[6]) < 0.5, "resp of order 1e-2: " + r[6]);
      for (int c = 8; c < 137; c++) {
        if (r[c] == -100f) {
          nanFills++;
        }
      }
      daySize.merge((int) r[0], 1, Integer::sum);
    }
    double zeroShare = (double) zeroWeights / rows.size();
    assertTrue(zeroShare > 0.14 && zeroShare < 0.20, "share of zero weights " + zeroShare);
    assertTrue(nanFills > 0, "some feature groups have NaNs, filled with -100");
    assertEquals(40, daySize.size());
    assertTrue(daySize.values().stream().anyMatch(n -> n < 20), "some days have under 20 rows");
    assertTrue(daySize.values().stream().anyMatch(n -> n > 300), "days vary in size");
  }

  @Test
  void correlatedFeatureGroupsAreCorrelated() {
    // feature_9..19 share a group factor, feature_31..41 another; feature_1 and feature_2 observe one latent signal.
    double within = 0;
    double across = 0;
    int n = 0;
    for (int a = 16; a <= 26; a++) {
      for (int b = a + 1; b <= 26; b++) {
        within += correlation(a, b);
        across += correlation(a, b + 22);
        n++;
      }
    }
    within /= n;
    across /= n;
    assertTrue(within > 0.25 && within > across + 0.2, "within-group " + within + ", across groups " + across);
    assertTrue(correlation(8, 9) > 0.5, "signal features correlate: " + correlation(8, 9));
  }

  static double correlation(int a, int b) {
    double sa = 0;
    double sb = 0;
    double saa = 0;
    double sbb = 0;
    double sab = 0;
    int n = 0;
    for (float[] r : rows) {
      if (r[a] == -100f || r[b] == -100f) {
        continue;
      }
      sa += r[a];
      sb += r[b];
      saa += r[a] * r[a];
      sbb += r[b] * r[b];
      sab += r[a] * r[b];
      n++;
    }
    double cov = sab / n - sa / n * sb / n;
    return cov / Math.sqrt((saa / n - sa / n * sa / n) * (sbb / n - sb / n * sb / n));
  }

  @Test
  void ceilingAucIsTheAucOfTheTrueProbabilityRecomputedFromTheStoredRows() throws IOException {
    JsonNode meta = new ObjectMapper().readTree(data.resolve("synthetic.json").toFile());
    assertEquals(40, meta.get("days").asInt());
    assertEquals(7, meta.get("seed").asLong());
    assertEquals(3, meta.get("holdout_fold").asInt());
    double ceiling = meta.get("ceiling_auc").asDouble();
    assertEquals(result.ceilingAuc(), ceiling);
    assertTrue(ceiling > 0.55 && ceiling < 0.9, "a learnable but noisy signal: " + ceiling);

    // Recompute the truth from the stored float32 rows: the mean of features 1..8 of a row, averaged over the
    // last 10 rows of its day; scored on the windows (rows 19+ of a day) of the holdout fold.
    List<Double> scores = new ArrayList<>();
    List<Boolean> labels = new ArrayList<>();
    int dayStart = 0;
    for (int i = 0; i < rows.size(); i++) {
      if (i > 0 && rows.get(i)[0] != rows.get(i - 1)[0]) {
        dayStart = i;
      }
      if (foldOfDate.get((int) rows.get(i)[0]) != 3 || i - dayStart < 19) {
        continue;
      }
      double z = 0;
      for (int k = i - 9; k <= i; k++) {
        double m = 0;
        for (int j = 1; j <= 8; j++) {
          m += rows.get(k)[7 + j];
        }
        z += m / 8;
      }
      scores.add(1 / (1 + Math.exp(-z / 10)));
      labels.add(rows.get(i)[6] > 0);
    }
    assertEquals(result.holdoutWindows(), scores.size());
    double[] s = scores.stream().mapToDouble(Double::doubleValue).toArray();
    boolean[] l = new boolean[labels.size()];
    for (int i = 0; i < l.length; i++) {
      l[i] = labels.get(i);
    }
    assertEquals(ceiling, Auc.exact(s, l, s.length), 1e-6);
  }

  @Test
  void isReproducibleFromItsSeed() throws IOException {
    Path again = dir.resolve("again");
    SyntheticMarket.generate(again, SETTINGS, null);
    for (int f = 0; f < 4; f++) {
      for (int i = 0; i < 2; i++) {
        String rel = "fold" + f + "/" + i + ".tfrec";
        assertArrayEquals(Files.readAllBytes(data.resolve(rel)), Files.readAllBytes(again.resolve(rel)), rel);
      }
    }
    Path other = dir.resolve("other");
    SyntheticMarket.generate(other, SETTINGS.withSeed(8), null);
    assertFalse(java.util.Arrays.equals(Files.readAllBytes(data.resolve("fold0/0.tfrec")),
        Files.readAllBytes(other.resolve("fold0/0.tfrec"))));
  }

  @Test
  void aucCountsTiesAsHalf() {
    assertEquals(1.0, Auc.exact(new double[] {0.1, 0.9}, new boolean[] {false, true}, 2));
    assertEquals(0.0, Auc.exact(new double[] {0.9, 0.1}, new boolean[] {false, true}, 2));
    assertEquals(0.5, Auc.exact(new double[] {0.5, 0.5}, new boolean[] {false, true}, 2));
    assertEquals(0.875, Auc.exact(new double[] {0.2, 0.5, 0.5, 0.9}, new boolean[] {false, false, true, true}, 4));
  }
}
