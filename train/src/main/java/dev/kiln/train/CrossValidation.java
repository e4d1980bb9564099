package dev.kiln.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code kiln cv}: one training run per purged split, each in its own folder {@code OUT/split-K} with everything
 * {@code kiln train} writes there, then the splits' validation figures side by side ({@link CvReport}). Running it
 * again on the same OUT continues: a split whose run is finished (every epoch done, or ended by early stopping, and
 * its reports complete) is skipped with a line saying so, an unfinished one is resumed from its checkpoint as
 * {@code kiln train --resume} would, and one never started is trained. OUT's {@link RunLock} is held throughout.
 */
public final class CrossValidation {
  /** What a split's folder holds. */
  enum State { NEW, UNFINISHED, FINISHED }

  private final TrainOptions base;
  private final FitOptions fit;
  private final List<PurgedSplits.Split> splits;
  private final PrintStream out;

  /** Runs {@code splits} with {@code base}'s settings (its {@code out} is the cross-validation's folder). */
  public CrossValidation(TrainOptions base, FitOptions fit, List<PurgedSplits.Split> splits, PrintStream out) {
    this.base = base;
    this.fit = fit;
    this.splits = List.copyOf(splits);
    this.out = out;
  }

  /** The folder of split {@code k}. */
  public static Path folder(Path out, int k) {
    return out.resolve("split-" + k);
  }

  /**
   * Trains (or resumes, or skips) every split in turn, then writes OUT/cv.json with {@code settings} (the split's
   * flags) and the figures' means under {@code weights}; returns the report.
   */
  public CvReport run(double[] weights, java.util.Map<String, Object> settings) throws IOException {
    try (RunLock lock = RunLock.folder(base.out())) {
      List<CvReport.Row> rows = new ArrayList<>();
      for (PurgedSplits.Split s : splits) {
        Path dir = folder(base.out(), s.index());
        String line = "split-" + s.index() + ": training dates " + s.dateSplit().train() + " (" + s.trainDates()
            + "), validation dates " + s.dateSplit().valid() + " (" + s.validDates() + ")";
        State state = state(dir, base.forSplit(dir, s.dateSplit(), true));
        if (state == State.FINISHED) {
          out.println(line + ": finished in " + dir + ", skipped");
        } else {
          out.println(line + (state == State.UNFINISHED ? ": resuming " + dir : ": training into " + dir));
          new Trainer(base.forSplit(dir, s.dateSplit(), state == State.UNFINISHED), fit, out).run();
        }
        rows.add(CvReport.Row.read(s, dir));
      }
      CvReport report = new CvReport(rows, weights, settings);
      out.print(report.table());
      report.write(base.out().resolve(CvReport.FILE));
      out.println("wrote " + base.out().resolve(CvReport.FILE));
      return report;
    }
  }

  /**
   * What {@code dir} holds: no checkpoint (a split never started, or killed before its first epoch ended), a run with
   * epochs or reports still to do, or a finished one. A finished run made with other settings than {@code o} is
   * refused in one line, as a resume would be.
   */
  State state(Path dir, TrainOptions o) throws IOException {
    Checkpoint ckpt = Checkpoint.load(dir, out);
    if (ckpt == null) return State.NEW;
    boolean done = ckpt.epochsDone() >= o.epochs() || Callbacks.stoppedEpoch(ckpt) > 0;
    if (!done || !RunReports.missing(dir).isEmpty()) return State.UNFINISHED;
    try {
      ckpt.checkSameRun(o, fit);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(dir + " holds a finished split run with other settings ("
          + e.getMessage().replaceFirst("^--resume needs the settings the run started with: ", "") + "); use "
          + "another --out or the same flags", e);
    }
    return State.FINISHED;
  }
}
