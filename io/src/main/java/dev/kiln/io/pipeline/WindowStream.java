package dev.kiln.io.pipeline;

/**
 * A stream of window ids, without their data: what a step needs when the dataset already lives on the device and
 * only the windows' start rows are sent. Same order as the batch stream built from the same options.
 */
public final class WindowStream {
  private final WindowSource source;

  WindowStream(WindowSource source) {
    this.source = source;
  }

  /** The next window id, or -1 at the end of a finite stream. */
  public long next() {
    return source.next();
  }
}
