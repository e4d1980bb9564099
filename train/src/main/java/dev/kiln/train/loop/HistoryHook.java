package dev.kiln.train.loop;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Keras's {@code History}: every epoch's logs appended to {@code history.json}'s lists, in the logs' order. */
public final class HistoryHook implements FitLoop.Hook {
  private final Map<String, List<Double>> history;

  public HistoryHook(Map<String, List<Double>> history) {
    this.history = history;
  }

  @Override
  public void epochEnd(FitLoop.EpochEvent e) {
    e.logs().forEach((k, v) -> history.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
  }
}
