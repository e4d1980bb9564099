package dev.kiln.train;

import dev.kiln.core.Tensor;
import dev.kiln.io.AtomicFiles;
import dev.kiln.ops.Model;
import dev.kiln.train.report.Plots;
import dev.kiln.train.report.SafeTensors;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The reports a finished run leaves in its folder (history.json, metrics.json, the model files, plots/): writing
 * them, finding which are missing or unreadable after a kill (so {@code --resume} of a finished run rewrites just
 * those from the checkpoint), and removing the temporaries of writes a kill cut short.
 */
final class RunReports {
  static final String HISTORY = "history.json";
  static final String METRICS = "metrics.json";
  static final List<String> MODEL = List.of("model.json", "model.safetensors", "model.h5");

  private RunReports() {}

  /** Every report, as paths relative to the run folder. */
  static List<String> all() {
    List<String> all = new ArrayList<>(List.of(HISTORY, METRICS));
    all.addAll(MODEL);
    for (String f : Plots.FILES) all.add("plots/" + f);
    return all;
  }

  /**
   * The reports in {@code out} that are missing or do not read back: empty, invalid JSON or safetensors, a PNG
   * without its end chunk, an HDF5 file without its signature.
   */
  static List<String> missing(Path out) {
    List<String> missing = new ArrayList<>();
    for (String name : all()) {
      if (!readable(out.resolve(name))) missing.add(name);
    }
    return missing;
  }

  /** A PNG's last chunk, IEND with its CRC: a file cut short lacks it. */
  private static final byte[] PNG_END = {'I', 'E', 'N', 'D', (byte) 0xAE, 0x42, 0x60, (byte) 0x82};
  private static final byte[] HDF5_SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1A, '\n'};

  private static boolean endsWith(Path f, byte[] tail) throws IOException {
    try (var ch = java.nio.channels.FileChannel.open(f)) {
      if (ch.size() < tail.length) return false;
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(tail.length);
      ch.read(b, ch.size() - tail.length);
      return java.util.Arrays.equals(b.array(), tail);
    }
  }

  private static boolean startsWith(Path f, byte[] head) throws IOException {
    try (var in = Files.newInputStream(f)) {
      return java.util.Arrays.equals(in.readNBytes(head.length), head);
    }
  }

  private static boolean readable(Path f) {
    try {
      if (!Files.isRegularFile(f) || Files.size(f) == 0) return false;
      String name = f.getFileName().toString();
      if (name.endsWith(".json")) return Trainer.JSON.readTree(f.toFile()) != null;
      if (name.endsWith(".safetensors")) SafeTensors.read(f);
      if (name.endsWith(".png")) return endsWith(f, PNG_END);
      if (name.endsWith(".h5")) return startsWith(f, HDF5_SIGNATURE);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Deletes what writes killed midway left in the run folder and its plots/ (only the temporary names Kiln's atomic
   * writes give; the caller holds the folder's {@link RunLock}), saying so on {@code log}.
   */
  static void removeLeftovers(Path out, PrintStream log) throws IOException {
    List<Path> removed = new ArrayList<>(AtomicFiles.removeLeftovers(out, null));
    removed.addAll(AtomicFiles.removeLeftovers(out.resolve("plots"), null));
    if (!removed.isEmpty()) {
      log.println("removed " + removed.size() + " temporary file(s) left by an interrupted run in " + out);
    }
  }

  /**
   * Writes the reports named in {@code which} (from {@link #all()}): the model files together when any of them is
   * named, the plots together when any plot is.
   */
  static void write(Path out, Collection<String> which, Model model, Map<String, Tensor> state,
      Map<String, List<Double>> history, Map<String, Object> metrics, float[] probs, float[] labels, TrainOptions o)
      throws IOException {
    write(out, which, model, state, history, metrics, probs, labels, o, history);
  }

  /**
   * As above; history.json gets {@code history}, the plots {@code plotted} (the series under the seed's names, which
   * a model with several outputs maps from its action output's).
   */
  static void write(Path out, Collection<String> which, Model model, Map<String, Tensor> state,
      Map<String, List<Double>> plotted, Map<String, Object> metrics, float[] probs, float[] labels, TrainOptions o,
      Map<String, List<Double>> history) throws IOException {
    if (which.contains(HISTORY)) Trainer.writeJson(out.resolve(HISTORY), history);
    if (which.contains(METRICS)) Trainer.writeJson(out.resolve(METRICS), metrics);
    if (which.stream().anyMatch(MODEL::contains)) ModelFiles.write(out, model, state, o);
    if (which.stream().anyMatch(w -> w.startsWith("plots/"))) Plots.writeAll(out, plotted, probs, labels);
  }
}
