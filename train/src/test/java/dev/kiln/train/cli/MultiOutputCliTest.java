package dev.kiln.train.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --model} with the supervised autoencoder (three outputs) and the loss flags: each misuse is one clear
 * line and a non-zero exit, given before any data is read (the data folder named here does not exist).
 */
class MultiOutputCliTest {
  @TempDir Path dir;

  private static final String FIVE = "resp_1,resp_2,resp_3,resp,resp_4";

  private String error(String... args) {
    String[] all = new String[args.length + 6];
    all[0] = "train";
    all[1] = "--data";
    all[2] = dir.resolve("no-data").toString();
    all[3] = "--out=" + dir.resolve("run");
    all[4] = "--model";
    all[5] = RowsAndTargetsCliTest.fixture("autoencoder");
    System.arraycopy(args, 0, all, 6, args.length);
    return dev.kiln.train.KilnCli.oneLineError(all).replaceFirst("^kiln train: error: ", "");
  }

  @Test
  void lossMisusesAreOneLine() {
    assertEquals("output 'decoder' is linear and has no loss: give --loss decoder=mse (or mae), a reconstruction of "
        + "the input features", error("--targets", FIVE));
    assertEquals("--loss names output 'decoderr', which the model does not have (its outputs: decoder, ae_action, "
        + "action)", error("--targets", FIVE, "--loss", "decoderr=mse"));
    assertEquals("--loss decoder=huber: a loss is bce, mse or mae", error("--targets", FIVE, "--loss", "decoder=huber"));
    assertEquals("--loss must be OUTPUT=VALUE pairs separated by commas (e.g. decoder=mse,action=bce); got 'decoder'",
        error("--targets", FIVE, "--loss", "decoder"));
    assertEquals("--loss names output 'decoder' twice", error("--targets", FIVE, "--loss", "decoder=mse,decoder=mae"));
    assertEquals("--loss decoder=bce: output 'decoder' is linear; bce needs a sigmoid output (a linear output takes "
        + "mse or mae against the input features)", error("--targets", FIVE, "--loss", "decoder=bce"));
    assertEquals("output 'ae_action' has 5 sigmoid units and --targets names 1; give one target per unit",
        error("--loss", "decoder=mse"));
    assertEquals("--loss-weights action=heavy: not a number",
        error("--targets", FIVE, "--loss", "decoder=mse", "--loss-weights", "action=heavy"));
    assertEquals("--loss-weights names output 'act', which the model does not have (its outputs: decoder, ae_action, "
        + "action)", error("--targets", FIVE, "--loss", "decoder=mse", "--loss-weights", "act=2"));
    assertEquals("--label-smoothing must be in [0, 1], got 2.0",
        error("--targets", FIVE, "--loss", "decoder=mse", "--label-smoothing", "2"));
    assertEquals("--action-output decoder is not a sigmoid output; the action is taken on probabilities (the sigmoid "
        + "outputs: [ae_action, action])", error("--targets", FIVE, "--loss", "decoder=mse", "--action-output",
        "decoder"));
  }

  /** The flags as a model.json user gives them: train, then predict, both exit 0. */
  @Test
  void theAutoencoderTrainsAndPredictsFromTheCommandLine() throws Exception {
    Path data = dir.resolve("data");
    dev.kiln.io.dataset.SyntheticMarket.generate(data, new dev.kiln.io.dataset.SyntheticMarket.Settings(20, 150, 13, 5,
        2, -100f, 1.0, 20), null);
    Path run = dir.resolve("run");
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cl = dev.kiln.train.Main.commandLine();
    cl.setErr(new java.io.PrintWriter(err, true));
    java.io.PrintStream stdout = System.out;
    System.setOut(new java.io.PrintStream(new java.io.ByteArrayOutputStream()));
    try {
      assertEquals(0, cl.execute("train", "--data", data.toString(), "--out", run.toString(), "--model",
          RowsAndTargetsCliTest.fixture("autoencoder"), "--targets", FIVE, "--epochs", "1", "--batch-size", "64",
          "--steps-per-epoch", "3", "--optimizer", "adam", "--loss", "decoder=mse,ae_action=bce,action=bce",
          "--loss-weights", "decoder=1,ae_action=1,action=1", "--label-smoothing", "0.01",
          "--early-stopping-monitor", "val_action_auc", "--early-stopping-mode", "max", "--action-output", "action"),
          err.toString());
      assertEquals(0, dev.kiln.train.Main.commandLine().execute("predict", "--model", run.toString(), "--data",
          data.toString(), "--out", dir.resolve("p.csv").toString(), "--targets", FIVE, "--batch-size", "64"));
    } finally {
      System.setOut(stdout);
    }
    String history = java.nio.file.Files.readString(run.resolve("history.json"));
    org.junit.jupiter.api.Assertions.assertTrue(history.contains("\"val_action_auc\"")
        && history.contains("\"decoder_loss\""), history);
    org.junit.jupiter.api.Assertions.assertTrue(java.nio.file.Files.readAllLines(dir.resolve("p.csv")).get(0)
        .endsWith(",action_probability_4"));
  }

  @Test
  void aMonitorMustBeOneOfTheModelsLogs() {
    String e = error("--targets", FIVE, "--loss", "decoder=mse", "--early-stopping-monitor", "val_auc");
    assertEquals("--early-stopping-monitor must be one of loss, decoder_loss, ae_action_loss, action_loss, "
        + "ae_action_recall, ae_action_precision, ae_action_auc, action_recall, action_precision, action_auc, "
        + "val_loss, val_decoder_loss, val_ae_action_loss, val_action_loss, val_ae_action_recall, "
        + "val_ae_action_precision, val_ae_action_auc, val_action_recall, val_action_precision, val_action_auc; got "
        + "val_auc", e);
  }
}
