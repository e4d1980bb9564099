package dev.kiln.train.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * {@code kiln bench --model}'s misuses are each one clear line and exit 1, before any backend is opened: the step
 * flags without --model, --executables with it, a model whose units do not match --targets, an unknown optimizer.
 */
class BenchCliTest {
  private static String error(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "bench";
    System.arraycopy(args, 0, all, 1, args.length);
    return dev.kiln.train.KilnCli.oneLineError(all);
  }

  private static final String STARTER = RowsAndTargetsCliTest.fixture("starter_mlp");

  @Test
  void theStepFlagsNeedAModel() {
    assertTrue(error("--targets", "resp_1").contains("--targets needs --model"));
    assertTrue(error("--optimizer", "adam").contains("--optimizer needs --model"));
    assertTrue(error("--lr", "0.01").contains("--lr needs --model"));
  }

  @Test
  void aModelsMisfitsAreOneLineEach() {
    assertTrue(error("--model", STARTER).contains("5 sigmoid units and --targets names 1"));
    assertTrue(error("--model", STARTER, "--targets", "resp_1,resp_2,resp_3,resp,resp_4", "--optimizer", "adagrad")
        .contains("--optimizer must be sgd, adam, adamw or rmsprop"));
    assertTrue(error("--model", STARTER, "--modes", "resident", "--executables", "somewhere")
        .contains("--executables holds the seed's steps"));
  }
}
