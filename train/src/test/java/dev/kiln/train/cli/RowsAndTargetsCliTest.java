package dev.kiln.train.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --model} with a model that takes rows or windows and {@code --targets}: each misuse is one clear line
 * and a non-zero exit, given before any data is read (the data folder named here does not exist).
 */
class RowsAndTargetsCliTest {
  @TempDir Path dir;

  static String fixture(String name) {
    return Path.of("").toAbsolutePath().getParent().resolve("ops/src/test/resources/keras/" + name + ".json")
        .toString();
  }

  private String error(String... args) {
    String[] all = new String[args.length + 4];
    all[0] = "train";
    all[1] = "--data";
    all[2] = dir.resolve("no-data").toString();
    all[3] = "--out=" + dir.resolve("run");
    System.arraycopy(args, 0, all, 4, args.length);
    return dev.kiln.train.KilnCli.oneLineError(all);
  }

  private static final String FIVE = "resp_1,resp_2,resp_3,resp,resp_4";

  @Test
  void aWindowThatDisagreesWithTheModelIsOneLine() {
    String rows = fixture("row_mlp"), windows = fixture("deeper");
    assertEquals("kiln train: error: " + rows + ": the model's input is [130]: it takes rows, not windows of 20 rows "
        + "(drop --window)", error("--model", rows, "--targets", FIVE, "--window", "20"));
    assertEquals("kiln train: error: " + windows + ": the model's input is [20, 130]: it takes windows of 20 rows, "
        + "not 10 (drop --window or pass --window 20)", error("--model", windows, "--window", "10"));
  }

  @Test
  void targetsThatDoNotMatchTheUnitsAreOneLine() {
    String rows = fixture("row_mlp");
    assertEquals("kiln train: error: " + rows + ": the model's output has 5 sigmoid units and --targets names 1 "
        + "(resp); give one target per unit", error("--model", rows));
    assertEquals("kiln train: error: " + fixture("deeper") + ": the model's output has 1 sigmoid unit and --targets "
        + "names 5 (" + FIVE + "); give one target per unit", error("--model", fixture("deeper"), "--targets", FIVE));
    assertEquals("kiln train: error: --targets needs --model: the seed's model has one output unit, for resp",
        error("--targets", FIVE));
    assertEquals("kiln train: error: --targets 'resp,,resp_1' has an empty column name",
        error("--model", rows, "--targets", "resp,,resp_1"));
    assertEquals("kiln train: error: --targets names 'resp' twice",
        error("--model", rows, "--targets", "resp,resp_1,resp,resp_2,resp_3"));
  }

  @Test
  void anUnknownSampleWeightIsOneLine() {
    assertEquals("kiln train: error: --sample-weight must be one of none, weight, abs-resp, weight-abs-resp, "
        + "mean-abs-targets, got 'resp'", error("--sample-weight", "resp"));
  }
}
