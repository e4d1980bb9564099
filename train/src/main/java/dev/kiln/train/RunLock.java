package dev.kiln.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on an output (a run folder, a dataset being converted), held for a command's whole run, so a
 * second Kiln process on the same output refuses at once instead of interleaving its files with the first's. The
 * lock is the operating system's ({@link FileChannel#tryLock}) on a small file holding the owner's pid: it is
 * dropped when the process dies, however it dies, so a file left by a killed run never blocks the next one.
 */
public final class RunLock implements AutoCloseable {
  /** The lock file's name inside a run folder. */
  public static final String FILE = ".kiln.lock";

  /** The lock files this JVM holds. */
  private static final java.util.Set<Path> HELD = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private final Path file;
  private final Path key;
  private final FileChannel channel;
  private final FileLock lock;

  private RunLock(Path file, Path key, FileChannel channel, FileLock lock) {
    this.file = file;
    this.key = key;
    this.channel = channel;
    this.lock = lock;
  }

  /** Locks the run folder {@code dir} (created if missing) through {@code dir/.kiln.lock}. */
  public static RunLock folder(Path dir) throws IOException {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new IllegalArgumentException("output folder " + dir + " is a file, not a folder");
    }
    Files.createDirectories(dir);
    return acquire(dir.resolve(FILE), dir);
  }

  /**
   * Locks {@code target}, which may not exist yet (a folder published by a rename), through a file beside it:
   * {@code .<name>.kiln.lock}.
   */
  public static RunLock beside(Path target) throws IOException {
    Path abs = target.toAbsolutePath().normalize();
    Files.createDirectories(abs.getParent());
    return acquire(abs.resolveSibling("." + abs.getFileName() + ".kiln.lock"), target);
  }

  /** Locks {@code file}, or fails naming {@code what} and the pid of the process that holds it. */
  static RunLock acquire(Path file, Path what) throws IOException {
    // Keyed by the real path (its folder exists by now), so two spellings of one folder are one lock.
    Path key = file.toAbsolutePath().getParent().toRealPath().resolve(file.getFileName());
    // Within one JVM the lock is refused before a second channel is opened: closing any channel on a file drops
    // every lock the process holds on it, so a second channel must never be opened and closed.
    if (!HELD.add(key)) throw inUse(what, Long.toString(ProcessHandle.current().pid()));
    try {
      FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      FileLock l;
      try {
        l = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        l = null; // held by this process through a channel opened elsewhere
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
      if (l == null) {
        String owner = owner(ch);
        ch.close();
        throw inUse(what, owner);
      }
      ch.truncate(0);
      ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
      ch.force(false);
      return new RunLock(file, key, ch, l);
    } catch (IOException | RuntimeException e) {
      HELD.remove(key);
      throw e;
    }
  }

  private static IllegalStateException inUse(Path what, String pid) {
    return new IllegalStateException(what + " is in use by another kiln process (pid " + pid + ")");
  }

  /** The pid written by the lock's holder, or "unknown" when it has not written it yet. */
  private static String owner(FileChannel ch) {
    try {
      ByteBuffer b = ByteBuffer.allocate(32);
      ch.read(b, 0);
      String s = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip();
      return s.matches("\\d+") ? s : "unknown";
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** The lock file. */
  public Path file() {
    return file;
  }

  /**
   * Releases the lock. The file stays (deleting it would let a process that opened it just before lock a file no
   * longer there while a third locks a new one); the next holder overwrites the pid.
   */
  @Override
  public void close() throws IOException {
    try {
      lock.release();
      channel.close();
    } finally {
      HELD.remove(key);
    }
  }
}
