package dev.kiln.tpu.pjrt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads the dynamic symbol table of a 64-bit little-endian ELF shared library, to check that a plugin exports
 * {@code GetPjrtApi} without loading it, and its library search path (RPATH/RUNPATH) (loading a GPU plugin on a machine without its libraries would fail for
 * reasons unrelated to the file itself).
 */
public final class ElfSymbols {
  private ElfSymbols() {}

  /** True when {@code lib} is an ELF64 file whose .dynsym defines {@code symbol}. */
  public static boolean exports(Path lib, String symbol) throws IOException {
    try (FileChannel ch = FileChannel.open(lib, StandardOpenOption.READ)) {
      ByteBuffer magic = read(ch, 0, Math.min(4, ch.size()));
      if (magic.limit() < 4 || magic.getInt(0) != 0x464C457F) throw new IOException(lib + " is not an ELF file");
      ByteBuffer h = read(ch, 0, 64);
      if (h.get(4) != 2 || h.get(5) != 1) throw new IOException(lib + " is not a 64-bit little-endian ELF file");
      long shoff = h.getLong(0x28);
      int shentsize = h.getShort(0x3A) & 0xFFFF;
      int shnum = h.getShort(0x3C) & 0xFFFF;
      if (shoff <= 0 || shnum == 0 || shentsize < 64) return false;
      ByteBuffer sh = read(ch, shoff, (long) shentsize * shnum);
      for (int i = 0; i < shnum; i++) {
        int base = i * shentsize;
        int type = sh.getInt(base + 4);
        if (type != 11) continue; // SHT_DYNSYM
        long off = sh.getLong(base + 0x18), size = sh.getLong(base + 0x20);
        int link = sh.getInt(base + 0x28);
        long entsize = sh.getLong(base + 0x38);
        int strBase = link * shentsize;
        long strOff = sh.getLong(strBase + 0x18), strSize = sh.getLong(strBase + 0x20);
        ByteBuffer syms = read(ch, off, size);
        ByteBuffer strs = read(ch, strOff, strSize);
        byte[] want = symbol.getBytes(StandardCharsets.US_ASCII);
        for (long s = 0; s + entsize <= size; s += entsize) {
          int name = syms.getInt((int) s);
          int shndx = syms.getShort((int) s + 6) & 0xFFFF;
          if (shndx == 0 || name <= 0 || name + want.length >= strSize) continue; // undefined or unnamed
          boolean match = true;
          for (int k = 0; k < want.length && match; k++) match = strs.get(name + k) == want[k];
          if (match && strs.get(name + want.length) == 0) return true;
        }
      }
      return false;
    }
  }

  /**
   * The library search path a shared library carries (DT_RUNPATH, else DT_RPATH), split at ':', with
   * {@code $ORIGIN} left as written; empty when it has none.
   */
  public static java.util.List<String> runPath(Path lib) throws IOException {
    try (FileChannel ch = FileChannel.open(lib, StandardOpenOption.READ)) {
      ByteBuffer h = read(ch, 0, 64);
      if (h.getInt(0) != 0x464C457F || h.get(4) != 2 || h.get(5) != 1) {
        throw new IOException(lib + " is not a 64-bit little-endian ELF file");
      }
      long shoff = h.getLong(0x28);
      int shentsize = h.getShort(0x3A) & 0xFFFF;
      int shnum = h.getShort(0x3C) & 0xFFFF;
      ByteBuffer sh = read(ch, shoff, (long) shentsize * shnum);
      String rpath = null, runpath = null;
      for (int i = 0; i < shnum; i++) {
        int base = i * shentsize;
        if (sh.getInt(base + 4) != 6) continue; // SHT_DYNAMIC
        long off = sh.getLong(base + 0x18), size = sh.getLong(base + 0x20);
        int strBase = sh.getInt(base + 0x28) * shentsize;
        ByteBuffer strs = read(ch, sh.getLong(strBase + 0x18), sh.getLong(strBase + 0x20));
        ByteBuffer dyn = read(ch, off, size);
        for (int e = 0; e + 16 <= size; e += 16) {
          long tag = dyn.getLong(e), val = dyn.getLong(e + 8);
          if (tag == 15) rpath = cString(strs, (int) val);
          if (tag == 29) runpath = cString(strs, (int) val);
        }
      }
      String path = runpath != null ? runpath : rpath;
      return path == null || path.isEmpty() ? java.util.List.of() : java.util.List.of(path.split(":"));
    }
  }

  private static String cString(ByteBuffer b, int at) {
    int end = at;
    while (end < b.limit() && b.get(end) != 0) end++;
    byte[] s = new byte[end - at];
    b.get(at, s);
    return new String(s, StandardCharsets.UTF_8);
  }

  private static ByteBuffer read(FileChannel ch, long pos, long len) throws IOException {
    if (len < 0 || len > Integer.MAX_VALUE || pos < 0 || pos + len > ch.size()) {
      throw new IOException("truncated ELF file: wants bytes " + pos + ".." + (pos + len) + " of " + ch.size());
    }
    ByteBuffer b = ByteBuffer.allocate((int) len).order(ByteOrder.LITTLE_ENDIAN);
    while (b.hasRemaining()) {
      if (ch.read(b, pos + b.position()) < 0) throw new IOException("unexpected end of ELF file");
    }
    return b.flip();
  }
}
