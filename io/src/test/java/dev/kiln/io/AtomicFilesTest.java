package dev.kiln.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path dir;

  List<String> names() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void replacesAFileOnlyWhenTheWriteCompletes() throws IOException {
    Path f = dir.resolve("a.json");
    AtomicFiles.write(f, out -> out.write("one".getBytes(StandardCharsets.UTF_8)));
    assertEquals("one", Files.readString(f));
    IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(f, out -> {
      out.write("tw".getBytes(StandardCharsets.UTF_8));
      throw new IOException("disk full");
    }));
    assertEquals("disk full", e.getMessage());
    assertEquals("one", Files.readString(f));
    assertEquals(List.of("a.json"), names());
  }

  @Test
  void publishesAFolderOnlyOverNothingOrAnEmptyFolder() throws IOException {
    Path target = dir.resolve("out");
    Path tmp = AtomicFiles.tempDirFor(target);
    Files.writeString(tmp.resolve("x"), "1");
    Files.createDirectory(target);
    AtomicFiles.publish(tmp, target);
    assertEquals("1", Files.readString(target.resolve("x")));
    assertEquals(List.of("out"), names());
    Path tmp2 = AtomicFiles.tempDirFor(target);
    FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class,
        () -> AtomicFiles.publish(tmp2, target));
    assertEquals("output folder exists and is not empty", e.getReason());
    AtomicFiles.deleteTree(tmp2);
    assertEquals(List.of("out"), names());
  }
}
