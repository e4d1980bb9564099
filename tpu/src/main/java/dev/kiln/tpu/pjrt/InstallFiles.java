package dev.kiln.tpu.pjrt;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.stream.Stream;

/** The file steps of installing a plugin: a staged folder renamed into place in one step, and temp cleanup. */
public final class InstallFiles {
  private InstallFiles() {}

  /** Moves {@code staged} to {@code dest}, replacing an older install; the old one is removed after the swap. */
  public static void replace(Path staged, Path dest) throws IOException {
    Path old = null;
    if (Files.exists(dest)) {
      old = dest.resolveSibling(dest.getFileName() + ".old-" + System.nanoTime());
      Files.move(dest, old, StandardCopyOption.ATOMIC_MOVE);
    }
    try {
      Files.move(staged, dest, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      if (old != null) Files.move(old, dest);
      throw new IOException("cannot rename into " + dest + " atomically", e);
    }
    if (old != null) deleteTree(old);
  }

  public static void deleteTree(Path p) {
    if (!Files.exists(p)) return;
    try (Stream<Path> s = Files.walk(p)) {
      s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException ignored) {
      // best effort cleanup of a temporary directory
    }
  }

  /** The sha256 of a file's bytes, in lower-case hex, read in one stream. */
  public static String sha256(Path file) throws IOException {
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
      in.transferTo(OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
