package dev.kiln.core.backend;

/**
 * The host memory behind a transfer started by {@link Backend#putAsync}, which the device may still read: the
 * memory must stay unchanged until the hold is {@link #done}. This is what lets a batch be copied (or, on a CPU
 * device, used in place) while the previous step still runs, instead of the host waiting for every copy.
 */
public interface HostHold {
  /** A hold that was never taken: the transfer copied the memory before returning. */
  HostHold NONE = new HostHold() {
    @Override public boolean done() { return true; }
    @Override public void await() {}
  };

  /** Whether the device is done with the host memory; never waits. */
  boolean done();

  /** Waits until the device is done with the host memory; throws the transfer's error, if any. */
  void await();
}
