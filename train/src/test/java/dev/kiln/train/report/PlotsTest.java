package dev.kiln.train.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotsTest {
  @TempDir Path dir;

  private static Map<String, List<Double>> history(int epochs) {
    Map<String, List<Double>> h = new LinkedHashMap<>();
    double[][] start = {{0.70, 0.69}, {0.50, 0.52}, {0.45, 0.50}, {0.51, 0.52}};
    String[][] keys = {{"loss", "val_loss"}, {"precision", "val_precision"}, {"recall", "val_recall"},
        {"auc", "val_auc"}};
    for (int k = 0; k < keys.length; k++) {
      for (int v = 0; v < 2; v++) {
        List<Double> values = new ArrayList<>();
        for (int e = 0; e < epochs; e++) {
          double trend = k == 0 ? -0.002 * e : 0.004 * e;
          values.add(start[k][v] + trend + 0.003 * Math.sin(e + k + v));
        }
        h.put(keys[k][v], values);
      }
    }
    return h;
  }

  /** Labels 0, 0.5 or 1, and probabilities mildly informative about them. */
  private static float[][] predictions(int n) {
    Random rnd = new Random(3);
    float[] p = new float[n];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      y[i] = rnd.nextInt(100) == 0 ? 0.5f : rnd.nextInt(2);
      double logit = 0.8 * (y[i] - 0.5) + rnd.nextGaussian();
      p[i] = (float) (1 / (1 + Math.exp(-logit)));
    }
    return new float[][] {p, y};
  }

  /** Pixels within a small distance of {@code c} (anti-aliased edges are lighter; the core of a line is exact). */
  private static int pixelsOf(BufferedImage img, Color c) {
    int count = 0;
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int rgb = img.getRGB(x, y);
        int dr = ((rgb >> 16) & 0xff) - c.getRed();
        int dg = ((rgb >> 8) & 0xff) - c.getGreen();
        int db = (rgb & 0xff) - c.getBlue();
        if (dr * dr + dg * dg + db * db < 30 * 30) {
          count++;
        }
      }
    }
    return count;
  }

  @Test
  void writesTheSixFiguresAsDrawnPngs() throws IOException {
    float[][] pred = predictions(20_000);
    List<Path> files = Plots.writeAll(dir, history(10), pred[0], pred[1]);
    assertEquals(6, files.size());
    Map<String, Color[]> lineColors = new HashMap<>();
    lineColors.put("loss.png", new Color[] {Plots.C0, Plots.C1});
    lineColors.put("training_metrics.png", new Color[] {Plots.C0, Plots.C1, Plots.C2});
    lineColors.put("validation_metrics.png", new Color[] {Plots.C0, Plots.C1, Plots.C2});
    lineColors.put("precision_recall_threshold.png", new Color[] {Plots.BLUE, Plots.GREEN});
    lineColors.put("precision_recall.png", new Color[] {Plots.BLUE});
    lineColors.put("roc.png", new Color[] {Plots.C0});
    for (int i = 0; i < 6; i++) {
      Path f = files.get(i);
      assertEquals(dir.resolve("plots").resolve(Plots.FILES.get(i)), f);
      byte[] bytes = Files.readAllBytes(f);
      assertEquals((byte) 0x89, bytes[0]);
      assertEquals("PNG", new String(bytes, 1, 3, java.nio.charset.StandardCharsets.US_ASCII));
      BufferedImage img = ImageIO.read(f.toFile());
      assertEquals(Plots.WIDTH, img.getWidth(), f.toString());
      assertEquals(Plots.HEIGHT, img.getHeight(), f.toString());
      // Drawn, not blank: white background, black frame and text, and every curve in its colour.
      assertTrue(pixelsOf(img, Color.WHITE) > Plots.WIDTH * Plots.HEIGHT / 2, f + " background");
      assertTrue(pixelsOf(img, Color.BLACK) > 1000, f + " frame and text");
      for (Color c : lineColors.get(f.getFileName().toString())) {
        assertTrue(pixelsOf(img, c) > 300, f + " has too little of the curve colour " + c);
      }
    }
    try (Stream<Path> s = Files.list(dir.resolve("plots"))) {
      assertEquals(6, s.count(), "no temporary files are left");
    }
    // Writing again replaces the figures.
    Plots.writeAll(dir, history(3), pred[0], pred[1]);
    assertEquals(Plots.WIDTH, ImageIO.read(files.get(0).toFile()).getWidth());
  }

  @Test
  void missingHistorySeriesIsNamed() {
    Map<String, List<Double>> h = history(2);
    h.remove("val_auc");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Plots.writeAll(dir, h, new float[] {0.2f, 0.7f}, new float[] {0, 1}));
    assertTrue(e.getMessage().contains("val_auc"), e.getMessage());
    assertTrue(Files.notExists(dir.resolve("plots")));
  }

  @Test
  void mismatchedPredictionsAreRejected() {
    assertThrows(IllegalArgumentException.class,
        () -> Plots.writeAll(dir, history(2), new float[] {0.2f, 0.7f}, new float[] {1}));
  }
}
