package dev.kiln.train.cli;

import dev.kiln.io.AtomicFiles;
import dev.kiln.train.RunLock;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The output of a command that writes a dataset folder by a rename (convert, synth): one such command per output at
 * a time (a lock file beside it), and the temporary folders of commands killed midway, beside the output and named
 * after it, removed under that lock.
 */
final class DatasetOutput {
  private DatasetOutput() {}

  /** Locks {@code out} and removes its leftover temporaries, saying so on {@code log}; the caller closes the lock. */
  static RunLock lock(Path out, PrintStream log) throws IOException {
    RunLock lock = RunLock.beside(out);
    try {
      Path abs = out.toAbsolutePath().normalize();
      int removed = AtomicFiles.removeLeftovers(abs.getParent(), abs).size();
      if (removed > 0) log.println("removed " + removed + " temporary folder(s) of interrupted writes of " + out);
      return lock;
    } catch (IOException | RuntimeException e) {
      lock.close();
      throw e;
    }
  }
}
