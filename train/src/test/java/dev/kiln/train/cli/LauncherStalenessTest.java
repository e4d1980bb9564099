package dev.kiln.train.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's rebuild test ({@code .ci/stale.sh}, sourced by {@code ./kiln}) on a tree laid out like a built
 * checkout: generated sources under {@code target/} (JMH's, protoc's) are newer than the jar and must not count; a
 * touched source, a pom or a missing jar must.
 */
class LauncherStalenessTest {
  private static final Path SCRIPT = Path.of("").toAbsolutePath().getParent().resolve(".ci/stale.sh");
  private static final Instant BUILT = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir Path root;

  private Path file(String rel, Instant mtime) throws IOException {
    Path p = root.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, "x");
    Files.setLastModifiedTime(p, FileTime.from(mtime));
    return p;
  }

  private Path builtTree() throws IOException {
    Instant before = BUILT.minusSeconds(60), after = BUILT.plusSeconds(60);
    file("pom.xml", before);
    file("core/src/main/java/dev/kiln/core/A.java", before);
    file("tpu/src/main/native/kiln_pjrt.h", before);
    Path jar = file("train/target/kiln-train.jar", BUILT);
    file("bench/target/generated-sources/annotations/dev/kiln/bench/jmh_generated/B_jmhTest.java", after);
    file("tpu/target/generated-sources/protobuf/java/C.java", after);
    file("core/target/classes/dev/kiln/core/A.class", after);
    file(".git/objects/ab/cdef", after);
    return jar;
  }

  private boolean stale(Path jar) throws Exception {
    Process p = new ProcessBuilder("bash", "-c", ". \"$0\"; kiln_stale \"$1\" \"$2\"", SCRIPT.toString(),
        root.toString(), jar.toString()).inheritIO().start();
    int rc = p.waitFor();
    if (rc > 1) throw new AssertionError("kiln_stale failed with exit code " + rc);
    return rc == 0;
  }

  @Test
  void aBuiltTreeWithNewerGeneratedSourcesIsFresh() throws Exception {
    assertEquals(false, stale(builtTree()));
  }

  @Test
  void aTouchedSourceIsStale() throws Exception {
    Path jar = builtTree();
    file("core/src/main/java/dev/kiln/core/A.java", BUILT.plusSeconds(5));
    assertEquals(true, stale(jar));
  }

  @Test
  void aTouchedPomOrHeaderIsStale() throws Exception {
    Path jar = builtTree();
    file("pom.xml", BUILT.plusSeconds(5));
    assertEquals(true, stale(jar));
    jar = builtTree();
    file("tpu/src/main/native/kiln_pjrt.h", BUILT.plusSeconds(5));
    assertEquals(true, stale(jar));
  }

  @Test
  void aMissingJarIsStale() throws Exception {
    Path jar = builtTree();
    Files.delete(jar);
    assertEquals(true, stale(jar));
  }
}
