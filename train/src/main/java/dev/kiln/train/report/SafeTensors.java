package dev.kiln.train.report;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.io.AtomicFiles;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads and writes the safetensors format, so trained weights can be opened by the Python ecosystem (the
 * {@code safetensors} package, PyTorch, JAX) as well as by Kiln.
 *
 * <p>A file is an 8-byte little-endian unsigned header length N, N bytes of UTF-8 JSON, then the tensor data. The JSON
 * maps each tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the start of
 * the data) and may hold string metadata under {@code "__metadata__"}; it is padded with spaces so the data starts at
 * a multiple of 8. Data are row-major and little-endian. Kiln's dtypes map to F32, F64, I32 (S32), U32 and BOOL (PRED,
 * one byte 0 or 1 per element).
 *
 * <p>The writer lists tensors in the header in the map's order and lays out their data by decreasing element size
 * (stable), as the reference writer does, so every tensor is aligned to its element size. The reader accepts any
 * valid file of the supported dtypes and rejects, with an {@link IOException} naming the file and the problem, a file
 * that is truncated, whose header is not a JSON object of the expected form, whose offsets disagree with the shapes,
 * overlap, leave gaps or do not end at the end of the file, or which uses another dtype.
 */
public final class SafeTensors {
  /** The largest header accepted, as in the reference implementation: a bound on memory before anything is read. */
  static final long MAX_HEADER_BYTES = 100_000_000L;

  private static final int CHUNK_BYTES = 1 << 16;
  private static final String METADATA = "__metadata__";
  /**
   * Metadata key prefix of the per-tensor checksums ({@code crc32c:conv1d/kernel} = 8 hex digits, the CRC32C of the
   * tensor's bytes, as TensorFlow's checkpoints carry one): verified on every read, so a flipped byte is an error
   * naming the file and the tensor instead of weights silently loaded. Files without them load unchecked.
   */
  static final String CRC_PREFIX = "crc32c:";
  /** The metadata key of the metadata's own CRC32C ({@link #metadataCrc}): a checkpoint's epochs are covered too. */
  static final String METADATA_CRC = CRC_PREFIX + METADATA;
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private SafeTensors() {}

  /** The tensors and the string metadata of a file, in the file's header order. */
  public record Contents(LinkedHashMap<String, Tensor> tensors, Map<String, String> metadata) {
    public Contents {
      Objects.requireNonNull(tensors, "tensors");
      metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }
  }

  /**
   * Writes {@code tensors} and {@code metadata} (may be empty or null) to {@code file}, atomically: the file appears
   * complete or not at all. {@code __metadata__} also carries each tensor's CRC32C ({@link #CRC_PREFIX}).
   *
   * @throws IllegalArgumentException for an empty or reserved tensor name, or a tensor larger than the format allows
   */
  public static void write(Path file, LinkedHashMap<String, Tensor> tensors, Map<String, String> metadata)
      throws IOException {
    Objects.requireNonNull(tensors, "tensors");
    checkNames(tensors);
    List<Map.Entry<String, Tensor>> layout = new ArrayList<>(tensors.entrySet());
    layout.sort(Comparator.comparingInt((Map.Entry<String, Tensor> e) -> e.getValue().dtype().byteSize()).reversed());
    Map<String, long[]> offsets = new LinkedHashMap<>();
    long end = 0;
    for (Map.Entry<String, Tensor> e : layout) {
      long bytes = e.getValue().shape().longSize() * e.getValue().dtype().byteSize();
      offsets.put(e.getKey(), new long[] {end, end + bytes});
      end += bytes;
    }
    byte[] json = JSON.writeValueAsBytes(header(tensors, offsets, metadata));
    int padded = (json.length + 7) / 8 * 8;
    AtomicFiles.write(file, out -> {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
      out.write(len.array());
      out.write(json);
      for (int i = json.length; i < padded; i++) {
        out.write(' ');
      }
      for (Map.Entry<String, Tensor> e : layout) {
        writeData(out, e.getValue());
      }
    });
  }

  private static void checkNames(Map<String, Tensor> tensors) {
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      String name = e.getKey();
      if (name == null || name.isEmpty()) {
        throw new IllegalArgumentException("a tensor name must not be empty");
      }
      if (name.equals(METADATA)) {
        throw new IllegalArgumentException("\"" + METADATA + "\" is reserved for metadata, not a tensor name");
      }
      Objects.requireNonNull(e.getValue(), () -> "tensor \"" + name + "\" is null");
    }
  }

  /** The JSON header: the metadata with the checksums (of each tensor and of the metadata), then each tensor. */
  private static ObjectNode header(Map<String, Tensor> tensors, Map<String, long[]> offsets,
      Map<String, String> metadata) throws IOException {
    ObjectNode header = JSON.createObjectNode();
    ObjectNode meta = header.putObject(METADATA);
    Map<String, String> user = new LinkedHashMap<>();
    if (metadata != null) {
      for (Map.Entry<String, String> m : metadata.entrySet()) {
        if (m.getKey() != null && m.getKey().startsWith(CRC_PREFIX)) {
          throw new IllegalArgumentException("metadata keys starting with " + CRC_PREFIX + " are Kiln's checksums");
        }
        user.put(Objects.requireNonNull(m.getKey(), "metadata key"),
            Objects.requireNonNull(m.getValue(), () -> "metadata value of \"" + m.getKey() + "\""));
      }
    }
    user.forEach(meta::put);
    if (!user.isEmpty()) meta.put(METADATA_CRC, metadataCrc(user));
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) meta.put(CRC_PREFIX + e.getKey(), crc32c(e.getValue()));
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      ObjectNode info = header.putObject(e.getKey());
      info.put("dtype", formatName(e.getValue().dtype()));
      ArrayNode shape = info.putArray("shape");
      for (int d : e.getValue().shape().dims()) {
        shape.add(d);
      }
      long[] span = offsets.get(e.getKey());
      info.putArray("data_offsets").add(span[0]).add(span[1]);
    }
    return header;
  }

  /**
   * The CRC32C of the metadata's entries (Kiln's checksums excluded), taken in key order as key, NUL, value, NUL,
   * so a tool that rewrites the header in another order keeps it valid while an edited value does not.
   */
  static String metadataCrc(Map<String, String> user) {
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    for (String k : new java.util.TreeMap<>(user).keySet()) {
      crc.update(k.getBytes(StandardCharsets.UTF_8));
      crc.update(0);
      crc.update(user.get(k).getBytes(StandardCharsets.UTF_8));
      crc.update(0);
    }
    return String.format("%08x", crc.getValue());
  }

  /** Reads the tensors of {@code file}, in header order. */
  public static LinkedHashMap<String, Tensor> read(Path file) throws IOException {
    return readContents(file).tensors();
  }

  /** Reads only the {@code __metadata__} of {@code file} (empty when it has none), after checking the header and the data offsets. */
  public static Map<String, String> readMetadata(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return userMetadata(parse(file, ch).metadata);
    }
  }

  /** Reads the tensors and the metadata of {@code file}. */
  public static Contents readContents(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      Header h = parse(file, ch);
      LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
      for (Entry e : h.entries) {
        ByteBuffer data = ByteBuffer.allocate((int) (e.end - e.begin)).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, ch, data, h.dataStart + e.begin);
        data.flip();
        String stored = h.metadata.get(CRC_PREFIX + e.name);
        if (stored != null) {
          java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
          crc.update(data.duplicate());
          String computed = String.format("%08x", crc.getValue());
          if (!computed.equals(stored)) {
            throw new IOException(file + ": tensor \"" + e.name + "\" is corrupt: its CRC32C is " + computed
                + ", the file recorded " + stored);
          }
        }
        tensors.put(e.name, decode(file, e, data));
      }
      return new Contents(tensors, userMetadata(h.metadata));
    }
  }

  // ---- header ----

  private record Entry(String name, DType dtype, Shape shape, long begin, long end) {}

  private record Header(List<Entry> entries, Map<String, String> metadata, long dataStart) {}

  private static Header parse(Path file, FileChannel ch) throws IOException {
    long size = ch.size();
    long n = headerLength(file, ch, size);
    JsonNode root = headerJson(file, ch, n);
    long dataStart = 8 + n;
    long dataLength = size - dataStart;
    Map<String, String> metadata = new LinkedHashMap<>();
    List<Entry> entries = new ArrayList<>();
    for (Map.Entry<String, JsonNode> field : root.properties()) {
      if (field.getKey().equals(METADATA)) {
        metadata.putAll(metadata(file, field.getValue()));
      } else {
        entries.add(parseEntry(file, field.getKey(), field.getValue(), dataLength));
      }
    }
    checkLayout(file, entries, dataLength);
    return new Header(entries, metadata, dataStart);
  }

  /** The declared header length, checked against the limit and the file's size. */
  private static long headerLength(Path file, FileChannel ch, long size) throws IOException {
    if (size < 8) {
      throw bad(file, "file of " + size + " bytes is too short for the 8-byte header length");
    }
    ByteBuffer lenBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    readFully(file, ch, lenBytes, 0);
    long n = lenBytes.getLong(0);
    if (n < 0 || n > MAX_HEADER_BYTES) {
      throw bad(file, "declared header length " + Long.toUnsignedString(n) + " exceeds the limit of "
          + MAX_HEADER_BYTES + " bytes");
    }
    if (n > size - 8) {
      throw bad(file, "declared header length " + n + " exceeds the " + (size - 8) + " bytes after the length"
          + " (truncated file?)");
    }
    if (n < 2) {
      throw bad(file, "header of " + n + " bytes cannot hold a JSON object");
    }
    return n;
  }

  /** The header, parsed: a JSON object in valid UTF-8. */
  private static JsonNode headerJson(Path file, FileChannel ch, long n) throws IOException {
    ByteBuffer headerBytes = ByteBuffer.allocate((int) n);
    readFully(file, ch, headerBytes, 8);
    headerBytes.flip();
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(headerBytes).toString();
    } catch (CharacterCodingException e) {
      throw bad(file, "header is not valid UTF-8");
    }
    if (!text.startsWith("{")) {
      throw bad(file, "header does not start with '{'");
    }
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw bad(file, "header is not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw bad(file, "header is not a JSON object");
    }
    return root;
  }

  /** The {@code __metadata__} object's strings, checked against their CRC32C when the file records one. */
  private static Map<String, String> metadata(Path file, JsonNode value) throws IOException {
    if (!value.isObject()) {
      throw bad(file, "\"" + METADATA + "\" is not a JSON object");
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> kv : value.properties()) {
      if (!kv.getValue().isTextual()) {
        throw bad(file, "metadata value of \"" + kv.getKey() + "\" is not a string");
      }
      metadata.put(kv.getKey(), kv.getValue().textValue());
    }
    String stored = metadata.get(METADATA_CRC);
    if (stored != null) {
      String computed = metadataCrc(userMetadata(metadata));
      if (!computed.equals(stored)) {
        throw new IOException(file + ": its metadata is corrupt: their CRC32C is " + computed + ", the file recorded "
            + stored);
      }
    }
    return metadata;
  }

  /** Fails unless the tensors' data spans tile the data section exactly, without gaps or overlaps. */
  private static void checkLayout(Path file, List<Entry> entries, long dataLength) throws IOException {
    List<Entry> byOffset = new ArrayList<>(entries);
    byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    long expected = 0;
    for (Entry e : byOffset) {
      if (e.begin != expected) {
        throw bad(file, "tensor \"" + e.name + "\" starts at data offset " + e.begin + " but the previous tensor ends"
            + " at " + expected + (e.begin < expected ? " (overlap)" : " (gap)"));
      }
      expected = e.end;
    }
    if (expected != dataLength) {
      throw bad(file, "tensors cover " + expected + " data bytes but the file holds " + dataLength
          + (expected > dataLength ? " (truncated file?)" : " (trailing bytes)"));
    }
  }

  private static Entry parseEntry(Path file, String name, JsonNode value, long dataLength) throws IOException {
    String where = "tensor \"" + name + "\"";
    if (!value.isObject()) {
      throw bad(file, where + " is not described by a JSON object");
    }
    for (Map.Entry<String, JsonNode> field : value.properties()) {
      String key = field.getKey();
      if (!key.equals("dtype") && !key.equals("shape") && !key.equals("data_offsets")) {
        throw bad(file, where + " has an unknown field \"" + key + "\"");
      }
    }
    DType dtype = dtype(file, where, value.get("dtype"));
    JsonNode shapeNode = value.get("shape");
    int[] dims = dims(file, where, shapeNode);
    long elements = 1;
    for (int d : dims) elements = multiplyOrMax(elements, d);
    long[] span = offsets(file, where, value.get("data_offsets"));
    long begin = span[0], end = span[1];
    long bytes = multiplyOrMax(elements, dtype.byteSize());
    if (end - begin != bytes) {
      throw bad(file, where + " of dtype " + formatName(dtype) + " and shape " + shapeNode + " needs "
          + (bytes == Long.MAX_VALUE ? "more than 2^63" : String.valueOf(bytes)) + " bytes but its data offsets ["
          + begin + ", " + end + "] span " + (end - begin));
    }
    if (end > dataLength) {
      throw bad(file, where + " ends at data offset " + end + " but the file holds only " + dataLength
          + " data bytes (truncated file?)");
    }
    if (elements > Integer.MAX_VALUE || bytes > Integer.MAX_VALUE) {
      throw bad(file, where + " has " + elements + " elements, more than Kiln holds in one tensor");
    }
    return new Entry(name, dtype, Shape.of(dims), begin, end);
  }

  private static DType dtype(Path file, String where, JsonNode dtypeNode) throws IOException {
    if (dtypeNode == null || !dtypeNode.isTextual()) {
      throw bad(file, where + " has no string \"dtype\"");
    }
    return switch (dtypeNode.textValue()) {
      case "F32" -> DType.F32;
      case "F64" -> DType.F64;
      case "I32" -> DType.S32;
      case "U32" -> DType.U32;
      case "BOOL" -> DType.PRED;
      default -> throw bad(file, where + " has dtype " + dtypeNode.textValue()
          + ", which Kiln does not support (F32, F64, I32, U32, BOOL)");
    };
  }

  private static int[] dims(Path file, String where, JsonNode shapeNode) throws IOException {
    if (shapeNode == null || !shapeNode.isArray()) {
      throw bad(file, where + " has no \"shape\" array");
    }
    int[] dims = new int[shapeNode.size()];
    for (int i = 0; i < dims.length; i++) {
      JsonNode d = shapeNode.get(i);
      if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < 0) {
        throw bad(file, where + " has an invalid dimension " + d + " in its shape");
      }
      dims[i] = d.intValue();
    }
    return dims;
  }

  private static long[] offsets(Path file, String where, JsonNode offsetsNode) throws IOException {
    if (offsetsNode == null || !offsetsNode.isArray() || offsetsNode.size() != 2
        || !offsetsNode.get(0).isIntegralNumber() || !offsetsNode.get(1).isIntegralNumber()
        || !offsetsNode.get(0).canConvertToLong() || !offsetsNode.get(1).canConvertToLong()) {
      throw bad(file, where + " has no \"data_offsets\" pair of integers");
    }
    long begin = offsetsNode.get(0).longValue();
    long end = offsetsNode.get(1).longValue();
    if (begin < 0 || end < begin) {
      throw bad(file, where + " has invalid data offsets [" + begin + ", " + end + "]");
    }
    return new long[] {begin, end};
  }

  private static long multiplyOrMax(long a, long b) {
    try {
      return Math.multiplyExact(a, b);
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  // ---- data ----

  private static String formatName(DType dtype) {
    return switch (dtype) {
      case F32 -> "F32";
      case F64 -> "F64";
      case S32 -> "I32";
      case U32 -> "U32";
      case PRED -> "BOOL";
    };
  }

  /** The metadata without Kiln's checksum entries (they are the file's integrity, not its content). */
  private static Map<String, String> userMetadata(Map<String, String> all) {
    Map<String, String> out = new LinkedHashMap<>();
    all.forEach((k, v) -> {
      if (!k.startsWith(CRC_PREFIX)) out.put(k, v);
    });
    return out;
  }

  /** The CRC32C of a tensor's data as written, as 8 hex digits. */
  static String crc32c(Tensor t) throws IOException {
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    writeData(new OutputStream() {
      @Override
      public void write(int b) {
        crc.update(b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        crc.update(b, off, len);
      }
    }, t);
    return String.format("%08x", crc.getValue());
  }

  /** Writes a tensor's data little-endian, a chunk at a time, so no second copy of a large tensor is made. */
  private static void writeData(OutputStream out, Tensor t) throws IOException {
    int n = t.size();
    int width = t.dtype().byteSize();
    int perChunk = CHUNK_BYTES / width;
    ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (int start = 0; start < n; start += perChunk) {
      int count = Math.min(perChunk, n - start);
      switch (t.dtype()) {
        case F32 -> chunk.asFloatBuffer().put(t.floats(), start, count);
        case F64 -> chunk.asDoubleBuffer().put(t.doubles(), start, count);
        case S32, U32 -> chunk.asIntBuffer().put(t.ints(), start, count);
        case PRED -> {
          boolean[] v = t.bools();
          for (int i = 0; i < count; i++) {
            chunk.put(i, (byte) (v[start + i] ? 1 : 0));
          }
        }
      }
      out.write(chunk.array(), 0, count * width);
    }
  }

  private static Tensor decode(Path file, Entry e, ByteBuffer data) throws IOException {
    int n = e.shape.size();
    Object array = Tensor.newArray(e.dtype, n);
    switch (e.dtype) {
      case F32 -> data.asFloatBuffer().get((float[]) array);
      case F64 -> data.asDoubleBuffer().get((double[]) array);
      case S32, U32 -> data.asIntBuffer().get((int[]) array);
      case PRED -> {
        boolean[] z = (boolean[]) array;
        for (int i = 0; i < n; i++) {
          byte b = data.get(i);
          if (b != 0 && b != 1) {
            throw bad(file, "tensor \"" + e.name + "\" of dtype BOOL holds byte " + (b & 0xff) + " at element " + i
                + "; only 0 and 1 are valid");
          }
          z[i] = b == 1;
        }
      }
    }
    return Tensor.wrap(e.dtype, e.shape, array);
  }

  private static void readFully(Path file, FileChannel ch, ByteBuffer dst, long position) throws IOException {
    long pos = position;
    while (dst.hasRemaining()) {
      int r = ch.read(dst, pos);
      if (r < 0) {
        throw new EOFException(file + ": unexpected end of file at byte " + pos);
      }
      pos += r;
    }
  }

  private static IOException bad(Path file, String problem) {
    return new IOException(file + ": not a valid safetensors file: " + problem);
  }
}
