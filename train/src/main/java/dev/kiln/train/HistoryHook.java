package dev.kiln.train;

import dev.kiln.train.loop.FitLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Keras's {@code History}: every epoch's logs appended to {@code history.json}'s lists, in the logs' order. */
final class HistoryHook implements FitLoop.Hook {
  private final Map<String, List<Double>> history;

  HistoryHook(Map<String, List<Double>> history) {
    this.history = history;
  }

  @Override
  public void epochEnd(FitLoop.EpochEvent e) {
    e.logs().forEach((k, v) -> history.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
  }
}
