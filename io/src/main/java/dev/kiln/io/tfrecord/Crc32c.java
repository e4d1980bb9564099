package dev.kiln.io.tfrecord;

import java.util.zip.CRC32C;

/**
 * CRC32C (Castagnoli) and the masking TFRecord applies to it. TFRecord stores masked CRCs so that a CRC of data that
 * itself holds CRCs does not degenerate; {@code mask(crc) = ((crc >>> 15) | (crc << 17)) + 0xa282ead8}.
 */
public final class Crc32c {
  private static final int MASK_DELTA = 0xa282ead8;

  private Crc32c() {}

  /** The plain CRC32C of {@code len} bytes of {@code b} from {@code off}. */
  public static int crc(byte[] b, int off, int len) {
    CRC32C c = new CRC32C();
    c.update(b, off, len);
    return (int) c.getValue();
  }

  /** The masked CRC32C of {@code len} bytes of {@code b} from {@code off}, as TFRecord stores it. */
  public static int maskedCrc(byte[] b, int off, int len) {
    return mask(crc(b, off, len));
  }

  /** Masks a plain CRC32C value. */
  public static int mask(int crc) {
    return ((crc >>> 15) | (crc << 17)) + MASK_DELTA;
  }

  /** Undoes {@link #mask(int)}. */
  public static int unmask(int masked) {
    int rot = masked - MASK_DELTA;
    return (rot >>> 17) | (rot << 15);
  }
}
