package dev.kiln.train.cli;

import java.util.ArrayList;
import java.util.List;

/** The {@code --targets} flag's value: column names separated by commas, each a target an output unit learns. */
final class Targets {
  private Targets() {}

  static final String DESCRIPTION = "Columns labelling each sample, one per sigmoid output unit, in the units' order, "
      + "each by the seed's rule (1 + sign)/2 (default resp); e.g. resp_1,resp_2,resp_3,resp,resp_4.";

  /** The names in {@code flag}; an empty name or a repeated one is refused in one line. */
  static List<String> parse(String flag) {
    List<String> names = new ArrayList<>();
    for (String part : flag.split(",", -1)) {
      String name = part.strip();
      if (name.isEmpty()) throw new IllegalArgumentException("--targets '" + flag + "' has an empty column name");
      if (names.contains(name)) throw new IllegalArgumentException("--targets names '" + name + "' twice");
      names.add(name);
    }
    return names;
  }
}
