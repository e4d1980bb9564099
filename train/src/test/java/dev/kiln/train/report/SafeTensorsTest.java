package dev.kiln.train.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
  @TempDir Path dir;

  @Test
  void tinyFileMatchesHandComputedBytes() throws IOException {
    LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
    tensors.put("m", Tensor.of(new boolean[] {true, false, true}, 3));
    tensors.put("a", Tensor.of(new float[] {1.0f, -2.0f}, 2));
    tensors.put("d", Tensor.scalar(0.5));
    Path file = dir.resolve("tiny.safetensors");
    SafeTensors.write(file, tensors, Map.of("format", "kiln"));

    // Header order is the map's; data are laid out by decreasing element size: d [0,8), a [8,16), m [16,19).
    byte[] dBytes = {0, 0, 0, 0, 0, 0, (byte) 0xE0, 0x3F}; // 0.5 = 0x3FE0000000000000
    byte[] aBytes = {0, 0, (byte) 0x80, 0x3F, 0, 0, 0, (byte) 0xC0}; // 1.0f = 0x3F800000, -2.0f = 0xC0000000
    byte[] mBytes = {1, 0, 1};
    // The metadata's own CRC32C: over its entries in key order, each key and value followed by a NUL.
    String json = "{\"__metadata__\":{\"format\":\"kiln\",\"crc32c:__metadata__\":\""
        + crc("format\0kiln\0".getBytes(StandardCharsets.US_ASCII)) + "\",\"crc32c:m\":\"" + crc(mBytes) + "\",\"crc32c:a\":\""
        + crc(aBytes) + "\",\"crc32c:d\":\"" + crc(dBytes) + "\"},"
        + "\"m\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[16,19]},"
        + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]},"
        + "\"d\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[0,8]}}";
    int padded = (json.length() + 7) / 8 * 8;
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.writeBytes(java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
    expected.writeBytes(json.getBytes(StandardCharsets.US_ASCII));
    expected.writeBytes(" ".repeat(padded - json.length()).getBytes(StandardCharsets.US_ASCII));
    expected.writeBytes(dBytes);
    expected.writeBytes(aBytes);
    expected.writeBytes(mBytes);
    assertArrayEquals(expected.toByteArray(), Files.readAllBytes(file));

    SafeTensors.Contents back = SafeTensors.readContents(file);
    assertEquals(List.of("m", "a", "d"), List.copyOf(back.tensors().keySet()));
    assertEquals(Map.of("format", "kiln"), back.metadata());
    assertEquals(Map.of("format", "kiln"), SafeTensors.readMetadata(file));
  }

  @Test
  void roundTripKeepsEveryDtypeShapeValueAndOrder() throws IOException {
    LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
    tensors.put("conv/kernel", Tensor.of(new float[] {0.25f, -1.5f, Float.NaN, Float.NEGATIVE_INFINITY, 3e-38f,
        Float.MAX_VALUE}, 3, 1, 2));
    tensors.put("flag", Tensor.of(new boolean[] {false, true, true, false}, 2, 2));
    tensors.put("step", Tensor.of(new int[] {-7, Integer.MAX_VALUE, Integer.MIN_VALUE}, 3));
    tensors.put("seed", Tensor.ofUnsigned(new int[] {0xFFFFFFFF, 42}, 2));
    tensors.put("mean", Tensor.of(new double[] {Math.PI, -0.0, 1e300}, 3));
    tensors.put("empty", Tensor.zeros(DType.F32, 0, 5));
    tensors.put("scalar", Tensor.scalar(2.5f));
    ByteBuffer direct = ByteBuffer.allocateDirect(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(4f).putFloat(-8f).flip();
    tensors.put("direct", Tensor.wrap(DType.F32, Shape.of(2), direct));
    // Larger than the writer's 64 KiB chunks.
    float[] big = new float[50_000];
    boolean[] manyFlags = new boolean[70_001];
    double[] wide = new double[10_007];
    for (int i = 0; i < big.length; i++) {
      big[i] = i * 0.5f - 7f;
    }
    for (int i = 0; i < manyFlags.length; i++) {
      manyFlags[i] = i % 3 == 0;
    }
    for (int i = 0; i < wide.length; i++) {
      wide[i] = Math.sqrt(i);
    }
    tensors.put("big", Tensor.wrap(DType.F32, Shape.of(250, 200), big));
    tensors.put("manyFlags", Tensor.wrap(DType.PRED, Shape.of(70_001), manyFlags));
    tensors.put("wide", Tensor.wrap(DType.F64, Shape.of(10_007), wide));
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("epochs", "10");
    metadata.put("note", "ünïcode ✓");
    Path file = dir.resolve("round.safetensors");
    SafeTensors.write(file, tensors, metadata);

    SafeTensors.Contents back = SafeTensors.readContents(file);
    assertEquals(List.copyOf(tensors.keySet()), List.copyOf(back.tensors().keySet()));
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      Tensor want = e.getValue();
      Tensor got = back.tensors().get(e.getKey());
      assertEquals(want.dtype(), got.dtype(), e.getKey());
      assertEquals(want.shape(), got.shape(), e.getKey());
      switch (want.dtype()) {
        case F32 -> {
          int[] a = new int[want.size()];
          int[] b = new int[got.size()];
          for (int i = 0; i < a.length; i++) {
            a[i] = Float.floatToRawIntBits(want.floats()[i]);
            b[i] = Float.floatToRawIntBits(got.floats()[i]);
          }
          assertArrayEquals(a, b, e.getKey());
        }
        case F64 -> assertArrayEquals(
            Arrays.stream(want.doubles()).mapToLong(Double::doubleToRawLongBits).toArray(),
            Arrays.stream(got.doubles()).mapToLong(Double::doubleToRawLongBits).toArray(), e.getKey());
        case S32, U32 -> assertArrayEquals(want.ints(), got.ints(), e.getKey());
        case PRED -> assertArrayEquals(want.bools(), got.bools(), e.getKey());
      }
    }
    assertEquals(metadata, back.metadata());
    assertEquals(List.copyOf(tensors.keySet()), List.copyOf(SafeTensors.read(file).keySet()));

    // The header length is a multiple of 8 and the F64 data start 8-aligned.
    byte[] bytes = Files.readAllBytes(file);
    long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    assertEquals(0, n % 8);
  }

  @Test
  void overwritingIsAtomicAndLeavesNoTemporaryFiles() throws IOException {
    Path file = dir.resolve("w.safetensors");
    LinkedHashMap<String, Tensor> first = new LinkedHashMap<>();
    first.put("x", Tensor.of(new float[] {1f, 2f, 3f}, 3));
    SafeTensors.write(file, first, null);
    LinkedHashMap<String, Tensor> second = new LinkedHashMap<>();
    second.put("y", Tensor.of(new int[] {5}, 1));
    SafeTensors.write(file, second, Map.of());
    assertEquals(List.of("y"), List.copyOf(SafeTensors.read(file).keySet()));
    assertEquals(Map.of(), SafeTensors.readMetadata(file));
    assertTrue(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1).contains("\"crc32c:y\""),
        "every tensor's checksum is in the header");
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(List.of(file), s.toList());
    }
  }

  @Test
  void writeRejectsReservedAndEmptyNames() {
    LinkedHashMap<String, Tensor> reserved = new LinkedHashMap<>();
    reserved.put("__metadata__", Tensor.scalar(1f));
    assertThrows(IllegalArgumentException.class,
        () -> SafeTensors.write(dir.resolve("r.safetensors"), reserved, null));
    LinkedHashMap<String, Tensor> empty = new LinkedHashMap<>();
    empty.put("", Tensor.scalar(1f));
    assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(dir.resolve("e.safetensors"), empty, null));
  }

  // ---- rejection ----

  private static final String ONE_F32 = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

  private Path file(String name, byte[] bytes) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  /** A file with the given header (padded to 8) and data. */
  private static byte[] build(String json, int dataBytes) {
    byte[] h = json.getBytes(StandardCharsets.UTF_8);
    int n = (h.length + 7) / 8 * 8;
    ByteBuffer b = ByteBuffer.allocate(8 + n + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(n).put(h);
    while (b.position() < 8 + n) {
      b.put((byte) ' ');
    }
    return b.array();
  }

  private void assertRejected(String name, byte[] bytes, String... fragments) throws IOException {
    Path p = file(name, bytes);
    IOException e = assertThrows(IOException.class, () -> SafeTensors.read(p));
    assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "expected \"" + f + "\" in: " + e.getMessage());
    }
  }

  @Test
  void builderMakesReadableFiles() throws IOException {
    // The rejection cases below differ from this valid file in one respect each.
    Path p = file("ok.safetensors", build(ONE_F32, 8));
    assertEquals(Shape.of(2), SafeTensors.read(p).get("w").shape());
  }

  @Test
  void rejectsTooShortFile() throws IOException {
    assertRejected("short.safetensors", new byte[] {8, 0, 0}, "too short");
  }

  @Test
  void rejectsHugeDeclaredHeaderWithoutAllocatingIt() throws IOException {
    byte[] huge = build(ONE_F32, 8);
    ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, Long.MAX_VALUE);
    assertRejected("huge.safetensors", huge, "exceeds the limit");
    ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1L); // 2^64 - 1 as an unsigned length
    assertRejected("huge2.safetensors", huge, "18446744073709551615", "exceeds the limit");
    ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 4096);
    assertRejected("huge3.safetensors", huge, "truncated");
  }

  @Test
  void rejectsTruncatedData() throws IOException {
    byte[] full = build(ONE_F32, 8);
    assertRejected("cut.safetensors", Arrays.copyOf(full, full.length - 1), "truncated");
  }

  @Test
  void rejectsTrailingBytes() throws IOException {
    assertRejected("trailing.safetensors", build(ONE_F32, 12), "trailing bytes");
  }

  @Test
  void rejectsOffsetsThatDisagreeWithTheShape() throws IOException {
    assertRejected("span.safetensors",
        build("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "needs 12 bytes", "span 8");
  }

  @Test
  void rejectsOverlapsAndGaps() throws IOException {
    assertRejected("overlap.safetensors", build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "overlap");
    assertRejected("gap.safetensors", build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12), "gap");
  }

  @Test
  void rejectsMalformedHeaders() throws IOException {
    assertRejected("json.safetensors", build("{\"w\":{\"dtype\":\"F32\",", 0), "not valid JSON");
    assertRejected("array.safetensors", build("[1, 2]", 0), "does not start with '{'");
    assertRejected("dup.safetensors", build("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
        + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "Duplicate");
    assertRejected("dtype.safetensors", build("{\"w\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4),
        "dtype F16");
    assertRejected("dim.safetensors", build("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8),
        "invalid dimension");
    assertRejected("offsets.safetensors", build("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8),
        "data_offsets");
    assertRejected("meta.safetensors", build("{\"__metadata__\":{\"epochs\":10}}", 0), "not a string");
    assertRejected("field.safetensors",
        build("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"extra\":1}}", 8), "unknown field");
  }

  @Test
  void rejectsBoolBytesOtherThanZeroAndOne() throws IOException {
    byte[] bytes = build("{\"b\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2);
    bytes[bytes.length - 1] = 2;
    assertRejected("bool.safetensors", bytes, "byte 2");
  }

  @Test
  void aFlippedDataByteIsAnErrorNamingTheFileAndTheTensor() throws IOException {
    Path file = dir.resolve("c.safetensors");
    LinkedHashMap<String, Tensor> t = new LinkedHashMap<>();
    t.put("dense/kernel", Tensor.of(new float[] {1f, 2f, 3f, 4f}, 2, 2));
    t.put("dense/bias", Tensor.of(new float[] {0.5f}, 1));
    SafeTensors.write(file, t, Map.of("format", "kiln-model"));
    assertEquals(Map.of("format", "kiln-model"), SafeTensors.readMetadata(file), "checksums are not user metadata");
    byte[] b = Files.readAllBytes(file);
    b[b.length - 3] ^= 0x10; // inside the last tensor's data (the layout puts 4-byte tensors in insertion order)
    Files.write(file, b);
    IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> SafeTensors.read(file));
    assertTrue(e.getMessage().startsWith(file + ": tensor \"dense/bias\" is corrupt"), e.getMessage());
  }

  private static String crc(byte[] b) {
    java.util.zip.CRC32C c = new java.util.zip.CRC32C();
    c.update(b);
    return String.format("%08x", c.getValue());
  }
}
