package dev.kiln.tpu.libtpu;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TPU slice names as Cloud TPU spells them ({@code v3-8}, {@code v4-8}, {@code v5e-4}, {@code v3-32}) turned into
 * the topology names libtpu's {@code PJRT_TopologyDescription_Create} takes ({@code v3:2x2}, {@code v4:2x2x1},
 * {@code v5e:2x2}, {@code v3:4x4}). A name already in libtpu's form ({@code v5p:2x2x1}) passes through.
 *
 * <p>The number after the dash counts TensorCores for v2, v3, v4 and v5p (two per chip) and chips for v5e and v6e
 * (one core each). v2/v3/v5e/v6e chips form a 2-d torus, v4/v5p a 3-d one; the shape is the most nearly square
 * (cubic) arrangement with power-of-two sides, smaller sides first and sides of 1 last, as Cloud TPU's standard
 * slices are (v4-8 is 2x2x1, v4-32 2x2x4).
 */
public record TpuTopologyName(String given, String libtpu, int chips) {
  private static final Pattern SLICE = Pattern.compile("(v2|v3|v4|v5p|v5e|v5litepod|v6e)-(\\d+)");
  private static final Pattern RAW = Pattern.compile("(v2|v3|v4|v5p|v5e|v6e):(\\d+(x\\d+)*)");

  public static TpuTopologyName parse(String name) {
    Matcher raw = RAW.matcher(name);
    if (raw.matches()) {
      int chips = 1;
      for (String d : raw.group(2).split("x")) chips *= Integer.parseInt(d);
      return new TpuTopologyName(name, name, chips);
    }
    Matcher m = SLICE.matcher(name);
    if (!m.matches()) {
      throw new IllegalArgumentException("unknown TPU topology '" + name + "': expected a slice such as v3-8, v4-8, "
          + "v5e-4, v3-32, or libtpu's form such as v3:2x2, v4:2x2x1");
    }
    String gen = m.group(1).equals("v5litepod") ? "v5e" : m.group(1);
    int n = Integer.parseInt(m.group(2));
    boolean twoCoresPerChip = gen.equals("v2") || gen.equals("v3") || gen.equals("v4") || gen.equals("v5p");
    if (twoCoresPerChip && n % 2 != 0) {
      throw new IllegalArgumentException("TPU topology '" + name + "': " + gen + " slices count TensorCores, two per "
          + "chip, so the number must be even");
    }
    int chips = twoCoresPerChip ? n / 2 : n;
    if (chips < 1 || Integer.bitCount(chips) != 1) {
      throw new IllegalArgumentException("TPU topology '" + name + "': " + chips + " chips is not a power of two; "
          + "give libtpu's form (e.g. " + gen + ":2x2) for other shapes");
    }
    boolean threeD = gen.equals("v4") || gen.equals("v5p");
    return new TpuTopologyName(name, gen + ":" + shape(chips, threeD ? 3 : 2), chips);
  }

  /** Power-of-two sides, as equal as possible, ascending, sides of 1 last ({@code 4 -> 2x2x1} in 3-d). */
  static String shape(int chips, int dims) {
    int log = Integer.numberOfTrailingZeros(chips);
    int[] sides = new int[dims];
    for (int d = 0; d < dims; d++) sides[d] = 1 << (log / dims + (d >= dims - log % dims ? 1 : 0));
    StringBuilder b = new StringBuilder();
    for (int s : sides) if (s > 1) b.append(b.isEmpty() ? "" : "x").append(s);
    for (int s : sides) if (s == 1) b.append(b.isEmpty() ? "" : "x").append(s);
    return b.toString();
  }
}
