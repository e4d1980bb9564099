package dev.kiln.tpu.pjrt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Compiled executables that travel: a folder of serialized programs ({@code PJRT_Executable_Serialize}) and a
 * {@code manifest.json} saying what they were compiled with (the plugin file's sha256 and PJRT API version), for what
 * device, and for which program (each program's fingerprint: the sha256 of its StableHLO text and its replica
 * count). A backend given the folder loads a program instead of compiling it when the fingerprints match, and
 * refuses, in one line, a folder made with another plugin or for another device.
 */
public final class CompiledPrograms {
  public static final String MANIFEST = "manifest.json";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  /** Serialized programs larger than this are refused (the seed's steps serialize to well under a megabyte). */
  static final long MAX_PROGRAM_BYTES = 1L << 30;

  /** One serialized program: its name and the bytes' file inside the folder. */
  public record Program(String name, String file, String fingerprint, byte[] bytes) {}

  private final Path dir;
  private final String deviceKind;
  private final Map<String, Program> byFingerprint;
  private final String compiledFor;

  private CompiledPrograms(Path dir, String deviceKind, Map<String, Program> byFingerprint, String compiledFor) {
    this.dir = dir;
    this.deviceKind = deviceKind;
    this.byFingerprint = byFingerprint;
    this.compiledFor = compiledFor;
  }

  /** The fingerprint of a program: the sha256 of its StableHLO text, and its replica count. */
  public static String fingerprint(String mlir, int replicas) {
    return sha256(mlir.getBytes(StandardCharsets.UTF_8)) + "/" + replicas;
  }

  /**
   * The manifest for programs compiled with {@code plugin} for {@code deviceKind}; {@code extra} (target, batch, ...)
   * is recorded as given.
   */
  public static ObjectNode manifest(PjrtPlugin plugin, String deviceKind, Map<String, Object> extra) throws IOException {
    ObjectNode m = JSON.createObjectNode();
    m.put("format", "kiln-executables");
    ObjectNode p = m.putObject("plugin");
    p.put("file", plugin.path().getFileName().toString());
    p.put("sha256", InstallFiles.sha256(plugin.path()));
    p.put("pjrt_api", plugin.apiVersion());
    m.put("device_kind", deviceKind);
    extra.forEach((k, v) -> m.set(k, JSON.valueToTree(v)));
    m.putArray("programs");
    return m;
  }

  /** Adds a program to {@code manifest} and writes its bytes as {@code name.bin} in {@code dir}. */
  public static void add(ObjectNode manifest, Path dir, String name, String mlir, int replicas, byte[] bytes)
      throws IOException {
    String file = name + ".bin";
    Files.write(dir.resolve(file), bytes);
    ObjectNode e = ((ArrayNode) manifest.get("programs")).addObject();
    e.put("name", name);
    e.put("file", file);
    e.put("fingerprint", fingerprint(mlir, replicas));
    e.put("sha256", sha256(bytes));
  }

  public static void writeManifest(ObjectNode manifest, Path dir) throws IOException {
    Files.write(dir.resolve(MANIFEST), JSON.writeValueAsBytes(manifest));
  }

  /**
   * Reads a folder written by {@code kiln compile}, for a backend of {@code plugin} whose devices are of
   * {@code deviceKind}: another plugin, device or a damaged file is an error in one line.
   */
  public static CompiledPrograms load(Path dir, PjrtPlugin plugin, String deviceKind) throws IOException {
    Path mf = dir.resolve(MANIFEST);
    if (!Files.isRegularFile(mf)) throw new IOException(dir + " holds no " + MANIFEST + ": make it with kiln compile");
    JsonNode m;
    try {
      m = JSON.readTree(mf.toFile());
    } catch (IOException e) {
      throw new IOException(mf + " is not valid JSON");
    }
    if (!"kiln-executables".equals(m.path("format").asText())) throw new IOException(mf + " is not a Kiln manifest");
    String sha = InstallFiles.sha256(plugin.path());
    if (!sha.equals(m.path("plugin").path("sha256").asText())) {
      throw new IOException(dir + " was compiled with another plugin (" + m.path("plugin").path("file").asText() + ", "
          + "PJRT API " + m.path("plugin").path("pjrt_api").asText() + "); this is " + plugin.path().getFileName()
          + ", PJRT API " + plugin.apiVersion() + ": compile again with kiln compile");
    }
    if (!deviceKind.equals(m.path("device_kind").asText())) {
      throw new IOException(dir + " was compiled for " + m.path("device_kind").asText() + "; this backend's devices are "
          + deviceKind + ": compile again for this device");
    }
    return new CompiledPrograms(dir, deviceKind, programs(dir, m), compiledFor(m));
  }

  /** What the manifest says the programs were compiled for: its model, global batch and device count. */
  private static String compiledFor(JsonNode m) {
    return "compiled for model " + m.path("model").asText("?") + ", global batch " + m.path("global_batch").asText("?")
        + " on " + m.path("devices").asText("?") + " device(s)";
  }

  private static Map<String, Program> programs(Path dir, JsonNode m) throws IOException {
    Map<String, Program> out = new LinkedHashMap<>();
    for (JsonNode e : m.path("programs")) {
      String file = e.path("file").asText();
      Path f = dir.resolve(file).normalize();
      if (file.isEmpty() || !f.getParent().equals(dir.normalize()) || !Files.isRegularFile(f)) {
        throw new IOException(dir + ": the manifest names a program file '" + file + "' that is not in the folder");
      }
      if (Files.size(f) > MAX_PROGRAM_BYTES) throw new IOException(f + " is larger than any program Kiln writes");
      byte[] bytes = Files.readAllBytes(f);
      if (!sha256(bytes).equals(e.path("sha256").asText())) {
        throw new IOException(f + " does not match its sha256 in the manifest: the file is damaged");
      }
      out.put(e.path("fingerprint").asText(), new Program(e.path("name").asText(), file, e.path("fingerprint").asText(),
          bytes));
    }
    if (out.isEmpty()) throw new IOException(dir + ": the manifest lists no programs");
    return out;
  }

  public Path dir() {
    return dir;
  }

  public String deviceKind() {
    return deviceKind;
  }

  /** What the manifest says the programs were compiled for (model, global batch, devices), for messages. */
  public String describe() {
    return compiledFor;
  }

  /** The serialized program with this fingerprint, or null. */
  public Program find(String fingerprint) {
    return byFingerprint.get(fingerprint);
  }

  public int size() {
    return byFingerprint.size();
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
