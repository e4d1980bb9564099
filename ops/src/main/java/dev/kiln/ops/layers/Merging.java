package dev.kiln.ops.layers;

import dev.kiln.ops.keras.KerasConfig;
import java.util.Arrays;
import java.util.List;

/** Shape checks shared by the merging layers (Add, Multiply). */
final class Merging {
  private Merging() {}

  static void sameShapes(KerasConfig c, List<int[]> in) {
    if (in.size() < 2) throw c.error("inputs", "must be at least two");
    for (int[] s : in) {
      if (!Arrays.equals(s, in.get(0))) {
        throw c.error("inputs", "have shapes " + Arrays.deepToString(in.toArray()) + "; they must be equal");
      }
    }
  }
}
