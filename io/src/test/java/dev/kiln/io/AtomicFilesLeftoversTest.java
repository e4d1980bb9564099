package dev.kiln.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The temporaries AtomicFiles creates are recognised by name, and removeLeftovers deletes those (files and folders)
 * and nothing else, optionally only those of one target.
 */
class AtomicFilesLeftoversTest {
  @TempDir Path dir;

  @Test
  void aWritesTemporaryIsRecognisedByItsName() throws IOException {
    Path target = dir.resolve("model.safetensors");
    AtomicFiles.write(target, out -> {
      try (Stream<Path> s = Files.list(dir)) {
        List<Path> tmp = s.toList();
        assertEquals(1, tmp.size(), tmp.toString());
        assertTrue(AtomicFiles.isTemporary(tmp.get(0)), tmp.get(0).toString());
      }
      out.write(1);
    });
    assertTrue(AtomicFiles.isTemporary(AtomicFiles.tempDirFor(dir.resolve("data"))));
    assertFalse(AtomicFiles.isTemporary(target));
  }

  @Test
  void removeLeftoversDeletesOnlyKilnsTemporaries() throws IOException {
    Path file = Files.write(dir.resolve(".loss.png.tmp-3fa9c0d2e1b4a5f6"), new byte[3]);
    Path folder = Files.createDirectories(dir.resolve(".data.tmp-12ab").resolve("fold0"));
    Files.write(folder.resolve("0.tfrec"), new byte[3]);
    Path other = Files.createDirectories(dir.resolve(".other.tmp-77"));
    List<Path> keep = List.of(Files.write(dir.resolve("loss.png"), new byte[1]),
        Files.write(dir.resolve("x.tmp-12ab"), new byte[1]), Files.write(dir.resolve(".x.tmp-12g"), new byte[1]),
        Files.write(dir.resolve(".x.tmp-"), new byte[1]), Files.write(dir.resolve(".x.tmp-12ab.bak"), new byte[1]));

    assertEquals(List.of(folder.getParent()), AtomicFiles.removeLeftovers(dir, dir.resolve("data")));
    assertTrue(Files.exists(file) && Files.exists(other), "only the named target's temporaries");
    assertEquals(2, AtomicFiles.removeLeftovers(dir, null).size());
    assertFalse(Files.exists(file) || Files.exists(other) || Files.exists(folder));
    for (Path p : keep) assertTrue(Files.exists(p), p + " is kept");
  }
}
