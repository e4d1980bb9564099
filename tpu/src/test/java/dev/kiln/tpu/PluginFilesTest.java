package dev.kiln.tpu;

import dev.kiln.tpu.pjrt.CpuPlugin;
import dev.kiln.tpu.pjrt.ElfSymbols;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plugin files: the ELF export check, wheel extraction and backend names. */
class PluginFilesTest {
  @TempDir
  Path tmp;

  @Test
  void elfCheckFindsGetPjrtApiInThePluginAndNotElsewhere() throws IOException {
    Path plugin = CpuPlugin.load().path();
    assertTrue(ElfSymbols.exports(plugin, "GetPjrtApi"));
    assertFalse(ElfSymbols.exports(plugin, "GetPjrtApiX"));
    Path notElf = Files.writeString(tmp.resolve("x.so"), "not a library");
    IOException e = assertThrows(IOException.class, () -> ElfSymbols.exports(notElf, "GetPjrtApi"));
    assertTrue(e.getMessage().contains("not an ELF file"), e.getMessage());
    Path truncated = tmp.resolve("t.so");
    Files.write(truncated, header(plugin));
    assertThrows(IOException.class, () -> ElfSymbols.exports(truncated, "GetPjrtApi"));
  }

  private static byte[] header(Path p) throws IOException {
    try (var in = Files.newInputStream(p)) {
      return in.readNBytes(64);
    }
  }

  @Test
  void extractsTheLibraryFromAWheelOrSaysItIsMissing() throws IOException {
    Path wheel = tmp.resolve("demo-1.0-py3-none-any.whl");
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(wheel))) {
      z.putNextEntry(new ZipEntry("pkg/"));
      z.putNextEntry(new ZipEntry("pkg/sub/libdemo.so"));
      z.write("payload".getBytes());
      z.putNextEntry(new ZipEntry("pkg/other.txt"));
      z.write("x".getBytes());
    }
    Path out = Files.createDirectory(tmp.resolve("out"));
    Path lib = PluginInstaller.extract(wheel, "libdemo.so", out);
    assertEquals("payload", Files.readString(lib));
    IOException e = assertThrows(IOException.class, () -> PluginInstaller.extract(wheel, "libnone.so", out));
    assertTrue(e.getMessage().contains("contains no libnone.so"), e.getMessage());
  }

  @Test
  void unknownBackendNamesAreRejectedWithTheList() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Backends.open("gpu", null, Map.of()));
    assertTrue(e.getMessage().contains("auto, java, pjrt:cpu, pjrt:cuda, pjrt:tpu"), e.getMessage());
    IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
        () -> Backends.open("pjrt:rocm", null, Map.of()));
    assertTrue(e2.getMessage().contains("unknown backend 'pjrt:rocm'"), e2.getMessage());
  }

  @Test
  void aRegisteredBackendIsOpenedByItsNameAndListed() {
    Backends.register("test:java", (plugin, options) -> new dev.kiln.core.cpu.JavaBackend());
    try (var b = Backends.open("test:java", null, Map.of())) {
      assertEquals("java", b.name());
    }
    assertTrue(Backends.names().endsWith("pjrt:tpu, test:java"), Backends.names());
  }

  @Test
  void aPluginOfAnotherPlatformIsRejectedForANamedBackend() {
    Path cpu = CpuPlugin.load().path();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Backends.open("pjrt:cuda", cpu, Map.of()));
    assertTrue(e.getMessage().contains("is pjrt:cpu, not pjrt:cuda"), e.getMessage());
  }

}
