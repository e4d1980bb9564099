package dev.kiln.io.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.io.proto.DataType;
import dev.kiln.io.proto.TensorProto;
import dev.kiln.io.proto.TensorShapeProto;
import dev.kiln.io.tfrecord.Crc32c;
import dev.kiln.io.tfrecord.TFRecordWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TensorProtoCodecTest {
  static final HexFormat HEX = HexFormat.of();

  static float[] row(int seed) {
    Random r = new Random(seed);
    float[] v = new float[138];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  @Test
  void writesTheWorkedExampleByteForByte() throws IOException, TensorFormatException {
    float[] v = row(1);
    byte[] payload = TensorProtoCodec.encodeFloatVector(v, 0, 138);
    assertEquals(564, payload.length);
    assertEquals("080112051203088a0122a804", HEX.formatHex(payload, 0, 12));
    ByteBuffer content = ByteBuffer.wrap(payload, 12, 552).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      assertEquals(Float.floatToRawIntBits(f), content.getInt());
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TFRecordWriter w = new TFRecordWriter(out)) {
      w.write(payload);
    }
    byte[] record = out.toByteArray();
    assertEquals(580, record.length);
    assertEquals("3402000000000000" + "62d338ad", HEX.formatHex(record, 0, 12));
    assertArrayEquals(payload, Arrays.copyOfRange(record, 12, 576));
    int footer = ByteBuffer.wrap(record, 576, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    assertEquals(Crc32c.maskedCrc(payload, 0, payload.length), footer);
    assertEquals(v.length, TensorProtoCodec.decode(payload).size());
    float[] back = new float[140];
    TensorProtoCodec.decodeFloatVector(payload, 0, payload.length, 138, back, 2);
    assertArrayEquals(v, Arrays.copyOfRange(back, 2, 140));
  }

  @Test
  void writesAScalarAsSerializeTensorDoes() {
    byte[] b = TensorProtoCodec.encode(new TensorData.Floats(new long[0], new float[] {1f}));
    assertEquals("0801" + "1200" + "22040000803f", HEX.formatHex(b));
  }

  @Test
  void roundTripsEveryDtype() throws TensorFormatException {
    long[] shape = {2, 3};
    TensorData[] all = {
      new TensorData.Floats(shape, new float[] {1, -2, 3.5f, Float.NaN, 0, -0f}),
      new TensorData.Doubles(shape, new double[] {1, -2, 3.5, 1e300, 0, -1e-300}),
      new TensorData.Ints(shape, new int[] {1, -2, 3, Integer.MIN_VALUE, 0, 7}),
      new TensorData.Longs(shape, new long[] {1, -2, 3, Long.MIN_VALUE, 0, Long.MAX_VALUE}),
    };
    for (TensorData t : all) {
      assertEquals(t, TensorProtoCodec.decode(TensorProtoCodec.encode(t)));
    }
  }

  static TensorProto.Builder proto(DataType dtype, long... dims) {
    TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
    for (long d : dims) {
      s.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
    }
    return TensorProto.newBuilder().setDtype(dtype).setTensorShape(s);
  }

  @Test
  void readsTypedValueFields() throws TensorFormatException {
    byte[] f = proto(DataType.DT_FLOAT, 3).addFloatVal(1).addFloatVal(2).addFloatVal(3).build().toByteArray();
    assertEquals(new TensorData.Floats(new long[] {3}, new float[] {1, 2, 3}), TensorProtoCodec.decode(f));
    byte[] d = proto(DataType.DT_DOUBLE, 2).addDoubleVal(1.5).addDoubleVal(-2.5).build().toByteArray();
    assertEquals(new TensorData.Doubles(new long[] {2}, new double[] {1.5, -2.5}), TensorProtoCodec.decode(d));
    byte[] i = proto(DataType.DT_INT32, 2).addIntVal(7).addIntVal(-8).build().toByteArray();
    assertEquals(new TensorData.Ints(new long[] {2}, new int[] {7, -8}), TensorProtoCodec.decode(i));
    byte[] l = proto(DataType.DT_INT64, 2).addInt64Val(1L << 40).addInt64Val(-3).build().toByteArray();
    assertEquals(new TensorData.Longs(new long[] {2}, new long[] {1L << 40, -3}), TensorProtoCodec.decode(l));
  }

  @Test
  void repeatsTheLastTypedValueAndFillsZerosWhenNone() throws TensorFormatException {
    byte[] one = proto(DataType.DT_FLOAT, 4).addFloatVal(1).addFloatVal(2.5f).build().toByteArray();
    assertEquals(new TensorData.Floats(new long[] {4}, new float[] {1, 2.5f, 2.5f, 2.5f}),
        TensorProtoCodec.decode(one));
    byte[] none = proto(DataType.DT_INT64, 3).build().toByteArray();
    assertEquals(new TensorData.Longs(new long[] {3}, new long[3]), TensorProtoCodec.decode(none));
  }

  @Test
  void prefersTensorContentOverTypedValues() throws TensorFormatException {
    byte[] content = TensorProtoCodec.encodeFloatVector(new float[] {4, 5}, 0, 2);
    TensorProto p;
    try {
      p = TensorProto.parseFrom(content).toBuilder().addFloatVal(9).addFloatVal(9).build();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
    assertEquals(new TensorData.Floats(new long[] {2}, new float[] {4, 5}), TensorProtoCodec.decode(p.toByteArray()));
  }

  @Test
  void rejectsWrongDtypeForARow() {
    byte[] b = TensorProtoCodec.encode(new TensorData.Doubles(new long[] {138}, new double[138]));
    TensorFormatException e = assertThrows(TensorFormatException.class,
        () -> TensorProtoCodec.decodeFloatVector(b, 0, b.length, 138, new float[138], 0));
    assertEquals("expected dtype DT_FLOAT, found DT_DOUBLE", e.getMessage());
    byte[] u = proto(DataType.DT_FLOAT, 1).setDtypeValue(7).build().toByteArray();
    TensorFormatException f = assertThrows(TensorFormatException.class, () -> TensorProtoCodec.decode(u));
    assertEquals("unsupported dtype #7", f.getMessage());
  }

  @Test
  void rejectsWrongShapeForARow() {
    byte[] b = TensorProtoCodec.encode(new TensorData.Floats(new long[] {1, 138}, new float[138]));
    TensorFormatException e = assertThrows(TensorFormatException.class,
        () -> TensorProtoCodec.decodeFloatVector(b, 0, b.length, 138, new float[138], 0));
    assertEquals("expected shape [138], found [1, 138]", e.getMessage());
    byte[] c = TensorProtoCodec.encodeFloatVector(new float[137], 0, 137);
    assertThrows(TensorFormatException.class,
        () -> TensorProtoCodec.decodeFloatVector(c, 0, c.length, 138, new float[138], 0));
  }

  @Test
  void rejectsContentOfTheWrongSize() {
    byte[] b = proto(DataType.DT_FLOAT, 3)
        .setTensorContent(com.google.protobuf.ByteString.copyFrom(new byte[8])).build().toByteArray();
    TensorFormatException e = assertThrows(TensorFormatException.class, () -> TensorProtoCodec.decode(b));
    assertTrue(e.getMessage().contains("tensor_content has 8 bytes; 3 elements of DT_FLOAT need 12"),
        e.getMessage());
  }

  @Test
  void rejectsBadShapes() {
    byte[] neg = proto(DataType.DT_FLOAT, 2, -1).build().toByteArray();
    assertTrue(assertThrows(TensorFormatException.class, () -> TensorProtoCodec.decode(neg)).getMessage()
        .contains("negative dimension -1 at axis 1"));
    byte[] huge = proto(DataType.DT_FLOAT, 1L << 20, 1L << 20).build().toByteArray();
    assertTrue(assertThrows(TensorFormatException.class, () -> TensorProtoCodec.decode(huge)).getMessage()
        .contains("too many elements"));
    byte[] unknown = proto(DataType.DT_FLOAT).setTensorShape(TensorShapeProto.newBuilder().setUnknownRank(true))
        .build().toByteArray();
    assertTrue(assertThrows(TensorFormatException.class, () -> TensorProtoCodec.decode(unknown)).getMessage()
        .contains("unknown rank"));
  }

  @Test
  void rejectsBytesThatAreNotAProtobuf() {
    byte[] junk = {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f};
    TensorFormatException e = assertThrows(TensorFormatException.class, () -> TensorProtoCodec.decode(junk));
    assertTrue(e.getMessage().startsWith("not a TensorProto"), e.getMessage());
  }
}
