package dev.kiln.io.pipeline;

/**
 * The weight a training sample's loss gets, from its window's last row, as Jane Street competitors weighted theirs
 * (Keras's {@code sample_weight}): none (1, the seed's), the row's weight, |resp|, weight·|resp|, or the mean |value|
 * of the sample's targets.
 */
public enum SampleWeight {
  NONE("none"),
  WEIGHT("weight"),
  ABS_RESP("abs-resp"),
  WEIGHT_ABS_RESP("weight-abs-resp"),
  MEAN_ABS_TARGETS("mean-abs-targets");

  private final String flag;

  SampleWeight(String flag) {
    this.flag = flag;
  }

  /** The name {@code --sample-weight} takes. */
  public String flag() {
    return flag;
  }

  /** The weighting named {@code flag}, or one line naming the choices. */
  public static SampleWeight parse(String flag) {
    for (SampleWeight w : values()) if (w.flag.equals(flag)) return w;
    StringBuilder names = new StringBuilder();
    for (SampleWeight w : values()) names.append(names.isEmpty() ? "" : ", ").append(w.flag);
    throw new IllegalArgumentException("--sample-weight must be one of " + names + ", got '" + flag + "'");
  }

  /** The weight of the sample whose last row is {@code row} of {@code s}. */
  public float of(Shard s, int row) {
    return switch (this) {
      case NONE -> 1f;
      case WEIGHT -> s.weight(row);
      case ABS_RESP -> Math.abs(s.resp(row));
      case WEIGHT_ABS_RESP -> s.weight(row) * Math.abs(s.resp(row));
      case MEAN_ABS_TARGETS -> {
        double sum = 0;
        for (int j = 0; j < s.targetCount(); j++) sum += Math.abs(s.target(row, j));
        yield (float) (sum / s.targetCount());
      }
    };
  }
}
