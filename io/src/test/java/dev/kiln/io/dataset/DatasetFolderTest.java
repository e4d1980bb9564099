package dev.kiln.io.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a dataset folder's listing and stats.json are trusted for. */
class DatasetFolderTest {
  @TempDir Path dir;
  Path data;

  @BeforeEach
  void makeData() throws IOException {
    data = dir.resolve("data");
    SyntheticMarket.generate(data, new SyntheticMarket.Settings(10, 40, 3, 2, 2, -100f, 1.0, 20), null);
  }

  @Test
  void aDotTfrecEntryThatIsAFolderIsAnErrorNamingIt() throws IOException {
    Path odd = Files.createDirectory(data.resolve("fold1/zz.tfrec"));
    DatasetFolder folder = DatasetFolder.open(data);
    IOException e = assertThrows(IOException.class, () -> folder.files(1));
    assertEquals(odd + ": not a regular file; a fold's .tfrec entries must be record files", e.getMessage());
    assertEquals(2, folder.files(0).size(), "other folds list as before");
  }

  @Test
  void aLengthMoreThanTheFilesCanHoldIsRefused() throws IOException {
    DatasetFolder folder = DatasetFolder.open(data);
    long rows = folder.stats().length(0);
    assertTrue(rows > 0);
    Files.writeString(data.resolve("stats.json"), "{\"0\":{\"length\":549755813888},\"1\":{\"length\":" + rows + "}}");
    IOException e = assertThrows(IOException.class, folder::stats);
    assertTrue(e.getMessage().startsWith(data.resolve("stats.json") + ": fold 0's length 549755813888 is more rows "
        + "than the folder's .tfrec files ("), e.getMessage());
    long bytes = 0;
    for (Path p : folder.files(List.of(0, 1))) bytes += Files.size(p);
    assertTrue(e.getMessage().endsWith("can hold (at most " + bytes / 16 + ")"), e.getMessage());
  }
}
