package dev.kiln.train.loop;

import dev.kiln.io.events.EventFileWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.LongToDoubleFunction;

/**
 * Keras's {@code TensorBoard(log_dir=DIR)} callback (tf_keras 2.21, its scalars): event files in {@code DIR/train} and
 * {@code DIR/validation}. After each epoch every training log goes to train/ as {@code epoch_<name>} at step
 * {@code epoch} (0-based, as Keras), the {@code lr} a callback logs included, then {@code epoch_learning_rate} when a
 * schedule sets the rate (Keras's {@code _collect_learning_rate}: the schedule at the iteration count after the
 * epoch). Every {@code val_} log goes to validation/ under its name without {@code val_}, after the validation's own
 * {@code evaluation_<name>_vs_iterations} at the iteration count (Keras's {@code on_test_end}). Both files are flushed
 * at each epoch's end so TensorBoard shows the run live. A resumed run writes new files beside the old ones, its
 * steps going on from the resumed epoch, as a Keras run restarted on the same folder does.
 */
public final class TensorBoardHook implements FitLoop.Hook, AutoCloseable {
  private static final String VAL = "val_";

  private final EventFileWriter train;
  private final EventFileWriter validation;
  private final LongToDoubleFunction schedule;

  private TensorBoardHook(EventFileWriter train, EventFileWriter validation, LongToDoubleFunction schedule) {
    this.train = train;
    this.validation = validation;
    this.schedule = schedule;
  }

  /**
   * Opens new event files in {@code dir}'s train/ and validation/ (created when missing); {@code schedule} is the
   * learning rate at an iteration count when a schedule sets it, else null.
   */
  public static TensorBoardHook open(Path dir, LongToDoubleFunction schedule) throws IOException {
    check(dir);
    EventFileWriter t = EventFileWriter.create(dir.resolve("train"), "kiln");
    try {
      return new TensorBoardHook(t, EventFileWriter.create(dir.resolve("validation"), "kiln"), schedule);
    } catch (IOException | RuntimeException e) {
      t.close();
      throw e;
    }
  }

  /**
   * Fails in one line naming {@code --tensorboard} when {@code dir} cannot hold the event files: a file is there, or
   * it or its train/ and validation/ folders cannot be created or written. Creates them (as Keras does).
   */
  public static void check(Path dir) {
    for (Path d : new Path[] {dir, dir.resolve("train"), dir.resolve("validation")}) {
      Path file = fileInTheWay(d);
      if (file != null) {
        throw new IllegalArgumentException("--tensorboard " + dir + ": " + file + " is a file, not a folder");
      }
      try {
        Files.createDirectories(d);
      } catch (IOException e) {
        throw new IllegalArgumentException("--tensorboard " + dir + ": cannot create the folder " + d + " ("
            + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
      }
      if (!Files.isWritable(d)) {
        throw new IllegalArgumentException("--tensorboard " + dir + ": the folder " + d + " is not writable");
      }
    }
  }

  /** The nearest of {@code d} and its parents that exists, when it is not a folder; else null. */
  private static Path fileInTheWay(Path d) {
    for (Path p = d.toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.exists(p)) return Files.isDirectory(p) ? null : p;
    }
    return null;
  }

  @Override
  public String name() {
    return "TensorBoard";
  }

  @Override
  public void epochEnd(FitLoop.EpochEvent e) {
    long iterations = (long) (e.epoch() + 1) * e.stepsPerEpoch();
    try {
      for (Map.Entry<String, Double> l : e.logs().entrySet()) {
        if (l.getKey().startsWith(VAL)) {
          validation.scalar("evaluation_" + l.getKey().substring(VAL.length()) + "_vs_iterations", iterations,
              l.getValue());
        }
      }
      for (Map.Entry<String, Double> l : e.logs().entrySet()) {
        boolean val = l.getKey().startsWith(VAL);
        (val ? validation : train).scalar("epoch_" + (val ? l.getKey().substring(VAL.length()) : l.getKey()),
            e.epoch(), l.getValue());
      }
      if (schedule != null) train.scalar("epoch_learning_rate", e.epoch(), schedule.applyAsDouble(iterations));
      train.flush();
      validation.flush();
    } catch (IOException x) {
      throw new UncheckedIOException("writing " + train.file().getParent().getParent() + ": " + x.getMessage(), x);
    }
  }

  @Override
  public void close() throws IOException {
    try {
      train.close();
    } finally {
      validation.close();
    }
  }
}
