package dev.kiln.io.tensor;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import dev.kiln.io.proto.DataType;
import dev.kiln.io.proto.TensorProto;
import dev.kiln.io.proto.TensorShapeProto;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Encodes and decodes serialized TensorProtos (Kiln's {@code tensor.proto} subset of TensorFlow's). Encoding writes
 * what {@code tf.io.serialize_tensor} writes: dtype, shape and little-endian {@code tensor_content}. Decoding accepts
 * {@code tensor_content} (preferred when non-empty) and the typed fields {@code float_val}, {@code double_val},
 * {@code int_val} and {@code int64_val} with TensorFlow's rules (fewer values than elements repeat the last value; none
 * gives zeros). Every problem is a {@link TensorFormatException} with a specific message.
 */
public final class TensorProtoCodec {
  private TensorProtoCodec() {}

  /** Serializes {@code t} as {@code tf.io.serialize_tensor} does. */
  public static byte[] encode(TensorData t) {
    int width = width(t.dtype());
    ByteBuffer content = ByteBuffer.allocate(t.size() * width).order(ByteOrder.LITTLE_ENDIAN);
    switch (t) {
      case TensorData.Floats f -> content.asFloatBuffer().put(f.values());
      case TensorData.Doubles d -> content.asDoubleBuffer().put(d.values());
      case TensorData.Ints i -> content.asIntBuffer().put(i.values());
      case TensorData.Longs l -> content.asLongBuffer().put(l.values());
    }
    return build(t.dtype(), t.shape(), content.array());
  }

  /** Serializes {@code len} floats of {@code values} from {@code off} as a float32 vector of shape [len]. */
  public static byte[] encodeFloatVector(float[] values, int off, int len) {
    ByteBuffer content = ByteBuffer.allocate(len * 4).order(ByteOrder.LITTLE_ENDIAN);
    content.asFloatBuffer().put(values, off, len);
    return build(DataType.DT_FLOAT, new long[] {len}, content.array());
  }

  private static byte[] build(DataType dtype, long[] shape, byte[] content) {
    TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
    for (long d : shape) {
      s.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
    }
    return TensorProto.newBuilder()
        .setDtype(dtype)
        .setTensorShape(s)
        .setTensorContent(UnsafeByteOperations.unsafeWrap(content))
        .build()
        .toByteArray();
  }

  /** Decodes a whole serialized TensorProto of a supported dtype (float32, float64, int32, int64). */
  public static TensorData decode(byte[] bytes) throws TensorFormatException {
    return decode(bytes, 0, bytes.length);
  }

  /** Decodes the serialized TensorProto in {@code len} bytes of {@code bytes} from {@code off}. */
  public static TensorData decode(byte[] bytes, int off, int len) throws TensorFormatException {
    TensorProto p = parse(bytes, off, len);
    long[] shape = shapeOf(p.getTensorShape());
    int n = elementCount(shape);
    DataType dtype = p.getDtype();
    ByteString content = p.getTensorContent();
    if (dtype == DataType.DT_FLOAT) {
      float[] v = new float[n];
      readFloats(p, n, v, 0);
      return new TensorData.Floats(shape, v);
    }
    if (dtype == DataType.DT_DOUBLE) {
      double[] v = new double[n];
      if (!content.isEmpty()) {
        checkContent(content, n, 8, dtype);
        content.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(v);
      } else {
        int k = checkTyped(p.getDoubleValCount(), n, "double_val");
        for (int i = 0; i < n; i++) {
          v[i] = k == 0 ? 0 : p.getDoubleVal(Math.min(i, k - 1));
        }
      }
      return new TensorData.Doubles(shape, v);
    }
    if (dtype == DataType.DT_INT32) {
      int[] v = new int[n];
      if (!content.isEmpty()) {
        checkContent(content, n, 4, dtype);
        content.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(v);
      } else {
        int k = checkTyped(p.getIntValCount(), n, "int_val");
        for (int i = 0; i < n; i++) {
          v[i] = k == 0 ? 0 : p.getIntVal(Math.min(i, k - 1));
        }
      }
      return new TensorData.Ints(shape, v);
    }
    if (dtype == DataType.DT_INT64) {
      long[] v = new long[n];
      if (!content.isEmpty()) {
        checkContent(content, n, 8, dtype);
        content.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(v);
      } else {
        int k = checkTyped(p.getInt64ValCount(), n, "int64_val");
        for (int i = 0; i < n; i++) {
          v[i] = k == 0 ? 0 : p.getInt64Val(Math.min(i, k - 1));
        }
      }
      return new TensorData.Longs(shape, v);
    }
    throw new TensorFormatException("unsupported dtype " + dtypeName(p));
  }

  /**
   * The most bytes a serialized float32 vector of {@code n} elements may take here: its values (4·n bytes as
   * {@code tensor_content}, 5·n as unpacked {@code float_val}) plus dtype, shape and field headers, with room to
   * spare. Dataset rows are bounded by it, so a corrupt record length is caught before anything is allocated.
   */
  public static long maxFloatVectorBytes(int n) {
    return 256 + 8L * n;
  }

  /**
   * Decodes a serialized float32 vector of exactly {@code expected} elements into {@code dst} from {@code dstOff}: the
   * hot path of reading dataset rows. Any other dtype or shape is an error naming what was found.
   */
  public static void decodeFloatVector(byte[] bytes, int off, int len, int expected, float[] dst, int dstOff)
      throws TensorFormatException {
    byte[] prefix = canonicalPrefix(expected);
    if (len == prefix.length + 4 * expected && Arrays.equals(bytes, off, off + prefix.length, prefix, 0,
        prefix.length)) {
      // Exactly the bytes tf.io.serialize_tensor writes for float32[expected]: dtype, shape and content can be
      // read in place. Any other encoding of the same tensor takes the general path below.
      int at = off + prefix.length;
      for (int i = 0; i < expected; i++) {
        dst[dstOff + i] = (float) FLOAT_LE.get(bytes, at + 4 * i);
      }
      return;
    }
    TensorProto p = parse(bytes, off, len);
    if (p.getDtype() != DataType.DT_FLOAT) {
      throw new TensorFormatException("expected dtype DT_FLOAT, found " + dtypeName(p));
    }
    long[] shape = shapeOf(p.getTensorShape());
    if (shape.length != 1 || shape[0] != expected) {
      throw new TensorFormatException("expected shape [" + expected + "], found " + Arrays.toString(shape));
    }
    readFloats(p, expected, dst, dstOff);
  }

  private static final VarHandle FLOAT_LE = MethodHandles.byteArrayViewVarHandle(float[].class,
      ByteOrder.LITTLE_ENDIAN);
  private record Prefix(int width, byte[] bytes) {}

  private static volatile Prefix lastPrefix = new Prefix(-1, new byte[0]);

  /** The bytes before the content in the serialization of a float32 vector of {@code n} elements. */
  static byte[] canonicalPrefix(int n) {
    Prefix p = lastPrefix;
    if (p.width() == n) {
      return p.bytes();
    }
    byte[] whole = encodeFloatVector(new float[n], 0, n);
    byte[] prefix = Arrays.copyOf(whole, whole.length - 4 * n);
    lastPrefix = new Prefix(n, prefix);
    return prefix;
  }

  private static void readFloats(TensorProto p, int n, float[] dst, int dstOff) throws TensorFormatException {
    ByteString content = p.getTensorContent();
    if (!content.isEmpty()) {
      checkContent(content, n, 4, DataType.DT_FLOAT);
      content.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(dst, dstOff, n);
      return;
    }
    int k = checkTyped(p.getFloatValCount(), n, "float_val");
    for (int i = 0; i < n; i++) {
      dst[dstOff + i] = k == 0 ? 0f : p.getFloatVal(Math.min(i, k - 1));
    }
  }

  private static TensorProto parse(byte[] bytes, int off, int len) throws TensorFormatException {
    try {
      CodedInputStream in = CodedInputStream.newInstance(bytes, off, len);
      in.enableAliasing(true);
      return TensorProto.parseFrom(in);
    } catch (InvalidProtocolBufferException e) {
      throw new TensorFormatException("not a TensorProto: " + e.getMessage());
    } catch (IOException e) {
      // Reading from an in-memory array fails only on malformed input; protobuf reports it as an IOException here.
      throw new TensorFormatException("not a TensorProto: " + e.getMessage());
    }
  }

  private static long[] shapeOf(TensorShapeProto s) throws TensorFormatException {
    if (s.getUnknownRank()) {
      throw new TensorFormatException("tensor shape has unknown rank");
    }
    long[] shape = new long[s.getDimCount()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = s.getDim(i).getSize();
      if (shape[i] < 0) {
        throw new TensorFormatException("tensor shape has negative dimension " + shape[i] + " at axis " + i);
      }
    }
    return shape;
  }

  private static int elementCount(long[] shape) throws TensorFormatException {
    long n = 1;
    for (long d : shape) {
      if (d != 0 && n > (Integer.MAX_VALUE - 64) / d) {
        throw new TensorFormatException("tensor shape " + Arrays.toString(shape) + " has too many elements");
      }
      n *= d;
    }
    return (int) n;
  }

  private static void checkContent(ByteString content, int n, int width, DataType dtype) throws TensorFormatException {
    if (content.size() != (long) n * width) {
      throw new TensorFormatException("tensor_content has " + content.size() + " bytes; " + n + " elements of "
          + dtype + " need " + (long) n * width);
    }
  }

  private static int checkTyped(int count, int n, String field) throws TensorFormatException {
    if (count > n) {
      throw new TensorFormatException(field + " has " + count + " values for a tensor of " + n + " elements");
    }
    return count;
  }

  private static String dtypeName(TensorProto p) {
    DataType d = p.getDtype();
    return d == DataType.UNRECOGNIZED ? "#" + p.getDtypeValue() : d.name();
  }

  private static int width(DataType d) {
    return switch (d) {
      case DT_FLOAT, DT_INT32 -> 4;
      case DT_DOUBLE, DT_INT64 -> 8;
      default -> throw new IllegalArgumentException("no width for " + d);
    };
  }
}
