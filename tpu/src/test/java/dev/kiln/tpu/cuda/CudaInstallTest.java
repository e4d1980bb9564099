package dev.kiln.tpu.cuda;

import dev.kiln.tpu.pjrt.ElfSymbols;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CUDA install's layout logic with small stand-in wheels (a real ELF plugin built here with gcc, carrying the
 * real plugin's RPATH, and NVIDIA-like wheels holding placeholder libraries): pip's report is read, every wheel is
 * checked against its sha256 and laid out as site-packages, the RPATH then finds each library, and a missing wheel,
 * a missing driver or a corrupt download is named.
 */
class CudaInstallTest {
  @TempDir Path tmp;

  static final String RPATH = "$ORIGIN/../../nvidia/cu13/lib:$ORIGIN/../../nvidia/cudnn/lib:"
      + "$ORIGIN/../../nvidia/nccl/lib:$ORIGIN/../../nvidia/nvshmem/lib";

  Path plugin() throws Exception {
    Path c = tmp.resolve("stub.c");
    Files.writeString(c, "void* GetPjrtApi(void) { return 0; }\n");
    Path so = tmp.resolve("xla_cuda_plugin.so");
    Process p = new ProcessBuilder("gcc", "-shared", "-fPIC", "-o", so.toString(), c.toString(),
        "-Wl,--disable-new-dtags,-rpath," + RPATH).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), "gcc (needed to build the stand-in plugin) failed: " + out);
    return so;
  }

  /** A wheel whose entries are name -> content (a Path: that file's bytes); names ending in "*" are executable. */
  Path wheel(String file, Map<String, Object> entries) throws IOException {
    Path w = tmp.resolve("wheels").resolve(file);
    Files.createDirectories(w.getParent());
    try (FileSystem zip = FileSystems.newFileSystem(URI.create("jar:" + w.toUri()),
        Map.of("create", "true", "enablePosixFileAttributes", "true"))) {
      for (var e : entries.entrySet()) {
        boolean exec = e.getKey().endsWith("*");
        Path p = zip.getPath(exec ? e.getKey().substring(0, e.getKey().length() - 1) : e.getKey());
        if (p.getParent() != null) Files.createDirectories(p.getParent());
        if (e.getValue() instanceof Path src) Files.copy(src, p);
        else Files.writeString(p, (String) e.getValue());
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(exec ? "rwxr-xr-x" : "rw-r--r--"));
      }
    }
    return w;
  }

  Map<String, Path> standIns(boolean withNccl) throws Exception {
    Map<String, Path> w = new LinkedHashMap<>();
    w.put("jax-cuda13-pjrt", wheel("jax_cuda13_pjrt-9.9-py3-none-any.whl", Map.of(
        "jax_plugins/xla_cuda13/xla_cuda_plugin.so", plugin(), "jax_cuda13_pjrt-9.9.dist-info/METADATA", "x")));
    Map<String, Object> cu13 = new LinkedHashMap<>();
    for (String so : CudaLibraries.SONAMES) {
      if (!so.startsWith("libcudnn") && !so.startsWith("libnccl") && !so.startsWith("libnvshmem")) {
        cu13.put("nvidia/cu13/lib/" + so, "placeholder");
      }
    }
    cu13.put("nvidia/cu13/bin/ptxas*", "#!/bin/sh\n");
    w.put("nvidia-cu13", wheel("nvidia_cu13-1.0-py3-none-any.whl", cu13));
    w.put("nvidia-cudnn-cu13", wheel("nvidia_cudnn_cu13-9.0-py3-none-any.whl",
        Map.of("nvidia/cudnn/lib/libcudnn.so.9", "placeholder")));
    if (withNccl) {
      w.put("nvidia-nccl-cu13", wheel("nvidia_nccl_cu13-2.0-py3-none-any.whl",
          Map.of("nvidia/nccl/lib/libnccl.so.2", "placeholder")));
    }
    w.put("nvidia-nvshmem-cu13", wheel("nvidia_nvshmem_cu13-3.0-py3-none-any.whl",
        Map.of("nvidia/nvshmem/lib/libnvshmem_host.so.3", "placeholder")));
    return w;
  }

  /** pip's installation report for the stand-ins (file URLs), plus jax-cuda13-plugin, which Kiln leaves out. */
  static byte[] report(Map<String, Path> wheels, String corrupt) throws IOException {
    StringBuilder b = new StringBuilder("{\"version\": \"1\", \"install\": [");
    List<String> items = new ArrayList<>();
    for (var e : wheels.entrySet()) {
      String sha = e.getKey().equals(corrupt) ? "0".repeat(64) : dev.kiln.tpu.pjrt.InstallFiles.sha256(e.getValue());
      items.add("{\"metadata\": {\"name\": \"" + e.getKey() + "\", \"version\": \"1\"}, \"download_info\": {\"url\": \""
          + e.getValue().toUri() + "\", \"archive_info\": {\"hashes\": {\"sha256\": \"" + sha + "\"}}}}");
    }
    items.add("{\"metadata\": {\"name\": \"jax-cuda13-plugin\", \"version\": \"1\"}, \"download_info\": {\"url\": "
        + "\"https://example.invalid/jax_cuda13_plugin-1-cp311-none-any.whl\", \"archive_info\": {\"hashes\": "
        + "{\"sha256\": \"ab\"}}}}");
    return b.append(String.join(",", items)).append("]}").toString().getBytes();
  }

  static final CudaInstaller.Fetcher LOCAL = (w, to) -> Files.copy(Path.of(URI.create(w.url())), to);

  @Test
  void laysOutTheWheelsWhereThePluginsRpathLooks() throws Exception {
    List<CudaWheels.Wheel> wheels = CudaWheels.parseReport(report(standIns(true), null));
    assertEquals(5, wheels.size(), "jax-cuda13-plugin is left out");
    Path dest = tmp.resolve("cache/pjrt/cuda");
    Path lib = CudaInstaller.install(wheels, LOCAL, dest, line -> {});
    assertEquals(dest.resolve("jax_plugins/xla_cuda13/xla_cuda_plugin.so"), lib);
    assertTrue(Files.isExecutable(dest.resolve("nvidia/cu13/bin/ptxas")), "ptxas keeps its execute bit");
    assertTrue(Files.notExists(dest.resolve("jax_cuda13_pjrt-9.9.dist-info")), "metadata is not installed");
    assertTrue(Files.readString(dest.resolve("SOURCE")).contains("nvidia_nccl_cu13-2.0-py3-none-any.whl"));
    assertEquals(List.of("$ORIGIN/../../nvidia/cu13/lib", "$ORIGIN/../../nvidia/cudnn/lib",
        "$ORIGIN/../../nvidia/nccl/lib", "$ORIGIN/../../nvidia/nvshmem/lib"), ElfSymbols.runPath(lib));

    Path driver = Files.createDirectories(tmp.resolve("driver"));
    Files.writeString(driver.resolve("libcuda.so.1"), "placeholder");
    List<CudaLibraries.Piece> pieces = CudaLibraries.check(lib, List.of(), List.of(driver));
    for (CudaLibraries.Piece p : pieces) assertTrue(p.ok(), p.name() + " not found");
    assertEquals(dest.resolve("nvidia/cudnn/lib/libcudnn.so.9"), pieces.stream()
        .filter(p -> p.name().equals("libcudnn.so.9")).findFirst().orElseThrow().found());
    assertNull(CudaLibraries.missing(lib, pieces));

    String noDriver = CudaLibraries.missing(lib, CudaLibraries.check(lib, List.of(), List.of()));
    assertTrue(noDriver.endsWith("no NVIDIA driver (libcuda.so.1) on this machine") && !noDriver.contains("missing"),
        noDriver);
  }

  @Test
  void aMissingWheelIsNamedInOneLine() throws Exception {
    Path dest = tmp.resolve("cache/pjrt/cuda");
    Path lib = CudaInstaller.install(CudaWheels.parseReport(report(standIns(false), null)), LOCAL, dest, l -> {});
    Path driver = Files.createDirectories(tmp.resolve("driver"));
    Files.writeString(driver.resolve("libcuda.so.1"), "placeholder");
    String line = CudaLibraries.missing(lib, CudaLibraries.check(lib, List.of(), List.of(driver)));
    assertEquals("the CUDA plugin " + lib + " cannot start: missing libnccl.so.2 (./kiln plugin install cuda fetches "
        + "them)", line);
  }

  @Test
  void aCorruptDownloadFailsAndKeepsThePreviousInstall() throws Exception {
    Path dest = tmp.resolve("cache/pjrt/cuda");
    Map<String, Path> w = standIns(true);
    CudaInstaller.install(CudaWheels.parseReport(report(w, null)), LOCAL, dest, l -> {});
    String before = Files.readString(dest.resolve("SOURCE"));
    IOException e = assertThrows(IOException.class, () ->
        CudaInstaller.install(CudaWheels.parseReport(report(w, "nvidia-cudnn-cu13")), LOCAL, dest, l -> {}));
    assertTrue(e.getMessage().contains("nvidia_cudnn_cu13-9.0-py3-none-any.whl: sha256"), e.getMessage());
    assertEquals(before, Files.readString(dest.resolve("SOURCE")));
    try (var s = Files.list(dest.getParent())) {
      assertEquals(List.of("cuda"), s.map(p -> p.getFileName().toString()).filter(n -> !n.equals(".lock")).toList(),
          "no temporary folder is left behind");
    }
  }

  @Test
  void aReportWithoutThePluginIsRejected() {
    IOException e = assertThrows(IOException.class, () -> CudaWheels.parseReport(
        "{\"install\": []}".getBytes()));
    assertTrue(e.getMessage().contains("no jax-cuda13-pjrt"), e.getMessage());
  }

  @Test
  void gpuClientOptionsFollowJaxNamesAndDefaults() {
    assertEquals(Map.of(), GpuOptions.resolve(null, null, null, Map.of()), "nothing set: the plugin's defaults");
    Map<String, Object> env = GpuOptions.resolve(null, null, null, Map.of("XLA_PYTHON_CLIENT_MEM_FRACTION", ".5",
        "XLA_PYTHON_CLIENT_PREALLOCATE", "false", "JAX_CUDA_VISIBLE_DEVICES", "0,2"));
    assertEquals(0.5f, env.get("memory_fraction"));
    assertEquals(false, env.get("preallocate"));
    assertArrayEquals(new long[] {0, 2}, (long[]) env.get("visible_devices"));
    Map<String, Object> flags = GpuOptions.resolve(0.9, true, "all", Map.of("XLA_PYTHON_CLIENT_MEM_FRACTION", ".5"));
    assertEquals(Map.of("memory_fraction", 0.9f, "preallocate", true), flags, "flags win; 'all' passes nothing");
    assertThrows(IllegalArgumentException.class, () -> GpuOptions.resolve(1.5, null, null, Map.of()));
    assertThrows(IllegalArgumentException.class, () -> GpuOptions.resolve(null, null, "gpu0", Map.of()));
  }
}
