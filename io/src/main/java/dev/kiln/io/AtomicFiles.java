package dev.kiln.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Atomic writes: content goes to a temporary sibling that is renamed over the target only once complete, so a reader
 * never sees a half-written file or folder, and a failed write leaves nothing behind.
 */
public final class AtomicFiles {
  private static final SecureRandom RANDOM = new SecureRandom();
  /** The names {@link #freshSibling} gives: {@code .<target name>.tmp-<1 to 16 hex digits>}. */
  private static final java.util.regex.Pattern TEMP_NAME = java.util.regex.Pattern.compile("\\..+\\.tmp-[0-9a-f]{1,16}");

  private AtomicFiles() {}

  /** Writes the bytes a callback produces. */
  @FunctionalInterface
  public interface Writer {
    /** Writes the content to {@code out}. */
    void write(OutputStream out) throws IOException;
  }

  /** Writes {@code target} through a temporary sibling file, replacing any existing file. */
  public static void write(Path target, Writer writer) throws IOException {
    Path abs = target.toAbsolutePath();
    Path parent = abs.getParent();
    Path tmp = tempFileFor(abs);
    try {
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING), 1 << 16)) {
        writer.write(out);
      }
      // The data reaches the disk before the rename publishes it (writers may close the stream themselves, so the
      // file is forced through a channel of its own).
      try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      move(tmp, abs);
      syncDirectory(parent);
    } catch (IOException | RuntimeException | Error e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
  }

  /** Flushes a folder's entries (the rename) to disk where the platform allows opening a folder for that. */
  static void syncDirectory(Path dir) {
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some file systems refuse to sync a folder; the file itself was forced before the rename.
    }
  }

  /**
   * Creates an empty temporary file beside {@code target}, named as {@link #write}'s are (so a leftover from a
   * killed process is found by {@link #removeLeftovers}); the caller publishes or deletes it.
   */
  public static Path tempFileFor(Path target) throws IOException {
    Path abs = target.toAbsolutePath();
    Files.createDirectories(abs.getParent());
    while (true) {
      try {
        return Files.createFile(freshSibling(abs));
      } catch (FileAlreadyExistsException e) {
        // Another name, then.
      }
    }
  }

  /** Whether {@code p}'s name is one this class gives its temporary files and folders. */
  public static boolean isTemporary(Path p) {
    Path name = p.getFileName();
    return name != null && TEMP_NAME.matcher(name.toString()).matches();
  }

  /**
   * Deletes the temporary files and folders that writes killed midway left in {@code dir} (only names this class
   * gives them; {@code only}, when not null, restricts them to temporaries of that target's name). The caller must
   * hold the folder's lock, so no live write's temporary is taken. Returns what was removed.
   */
  public static java.util.List<Path> removeLeftovers(Path dir, Path only) throws IOException {
    java.util.List<Path> removed = new java.util.ArrayList<>();
    if (!Files.isDirectory(dir)) return removed;
    String prefix = only == null ? null : "." + only.getFileName() + ".tmp-";
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.toList()) {
        if (isTemporary(p) && (prefix == null || p.getFileName().toString().startsWith(prefix))) {
          deleteTree(p);
          removed.add(p);
        }
      }
    }
    return removed;
  }

  /** Creates an empty temporary folder beside {@code target}, to be filled and then {@link #publish}ed. */
  public static Path tempDirFor(Path target) throws IOException {
    Path abs = target.toAbsolutePath();
    Files.createDirectories(abs.getParent());
    while (true) {
      try {
        return Files.createDirectory(freshSibling(abs));
      } catch (FileAlreadyExistsException e) {
        // Another name, then.
      }
    }
  }

  /**
   * A hidden, unused name beside {@code target}. Unlike Files.createTemp*, creating it later keeps the usual
   * permissions (the umask's), so the published file or folder looks like any other.
   */
  private static Path freshSibling(Path target) {
    while (true) {
      Path p = target.resolveSibling("." + target.getFileName() + ".tmp-" + Long.toHexString(RANDOM.nextLong()));
      if (!Files.exists(p)) {
        return p;
      }
    }
  }

  /**
   * Renames the finished folder {@code tmp} to {@code target}. The target must not exist, or be an empty folder;
   * anything else is an error, so existing data is never overwritten.
   */
  public static void publish(Path tmp, Path target) throws IOException {
    Path abs = target.toAbsolutePath();
    checkTargetFree(abs);
    if (Files.isDirectory(abs)) {
      try {
        Files.delete(abs);
      } catch (DirectoryNotEmptyException e) {
        throw new FileAlreadyExistsException(abs.toString(), null, "output folder exists and is not empty");
      }
    }
    move(tmp, abs);
  }

  /** Fails with a clear message when {@code target} exists and is not an empty folder. */
  public static void checkTargetFree(Path target) throws IOException {
    if (!Files.exists(target)) {
      return;
    }
    if (!Files.isDirectory(target)) {
      throw new FileAlreadyExistsException(target.toString(), null, "output exists and is not a folder");
    }
    try (Stream<Path> s = Files.list(target)) {
      if (s.findAny().isPresent()) {
        throw new FileAlreadyExistsException(target.toString(), null, "output folder exists and is not empty");
      }
    }
  }

  /** Deletes a folder and everything in it, if it exists. */
  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
