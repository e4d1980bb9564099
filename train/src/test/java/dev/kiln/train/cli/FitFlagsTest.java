package dev.kiln.train.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.ops.train.Adam;
import dev.kiln.ops.train.LrSchedule;
import dev.kiln.ops.train.RmsProp;
import dev.kiln.ops.train.Sgd;
import dev.kiln.train.FitOptions;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The optimizer, schedule and callback flags parse to Keras's arguments, with Keras's defaults. */
class FitFlagsTest {
  private static FitOptions parse(String... args) {
    FitFlags f = new FitFlags();
    new CommandLine(f).parseArgs(args);
    return f.fitOptions();
  }

  @Test
  void defaultsAreTheSeedsSgdAndKerasOwn() {
    assertEquals(new Sgd(0.2, 0.9, true), parse().optimization().rule());
    assertNull(parse().optimization().schedule());
    assertEquals(Adam.keras(), parse("--optimizer", "adam").optimization().rule());
    assertEquals(Adam.kerasW(), parse("--optimizer", "adamw").optimization().rule());
    assertEquals("adamw", parse("--optimizer", "adamw").optimization().rule().kind());
    assertEquals(RmsProp.keras(), parse("--optimizer", "rmsprop").optimization().rule());
    assertEquals(new Sgd(0.01, 0.5, false),
        parse("--lr", "0.01", "--momentum", "0.5", "--nesterov", "false").optimization().rule());
    assertEquals(new Adam(0.003, 0.8, 0.99, 1e-6, true, 0.01), parse("--optimizer", "adamw", "--lr", "0.003",
        "--beta1", "0.8", "--beta2", "0.99", "--epsilon", "1e-6", "--amsgrad", "--weight-decay", "0.01")
        .optimization().rule());
    assertEquals(new RmsProp(0.002, 0.8, 0.5, 1e-6, true), parse("--optimizer", "rmsprop", "--lr", "0.002", "--rho",
        "0.8", "--momentum", "0.5", "--epsilon", "1e-6", "--centered").optimization().rule());
  }

  @Test
  void everyScheduleSyntaxParses() {
    assertEquals(new LrSchedule.Exponential(100, 0.9, false), FitFlags.schedule("exponential:100:0.9"));
    assertEquals(new LrSchedule.Exponential(100, 0.9, true), FitFlags.schedule("exponential:100:0.9:staircase"));
    assertEquals(new LrSchedule.Cosine(500, 0), FitFlags.schedule("cosine:500"));
    assertEquals(new LrSchedule.Cosine(500, 0.1), FitFlags.schedule("cosine:500:0.1"));
    assertEquals(new LrSchedule.Cosine(500, 0.1, 50, 0.2), FitFlags.schedule("cosine:500:0.1:50:0.2"));
    LrSchedule.Piecewise p = (LrSchedule.Piecewise) FitFlags.schedule("piecewise:100,200:0.1,0.01,0.001");
    assertEquals(List.of(100L, 200L), p.config().get("boundaries"));
    assertEquals(List.of(0.1, 0.01, 0.001), p.config().get("values"));
    for (String bad : List.of("exponential:100", "exponential:100:0.9:stairs", "cosine:500:0.1:50", "cosine:0",
        "piecewise:100:0.1", "exponential:100:NaN", "cosine:10:2")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FitFlags.schedule(bad), bad);
      assertTrue(e.getMessage().startsWith("--lr-schedule"), e.getMessage());
    }
  }

  @Test
  void callbackFlagsParseWithKerasDefaults() {
    FitOptions f = parse("--early-stopping-monitor", "val_auc", "--early-stopping-patience", "3",
        "--restore-best-weights", "--reduce-lr-on-plateau", "val_loss:0.5:2", "--save-best", "val_auc",
        "--save-best-mode", "max");
    assertEquals("val_auc", f.earlyStopping().monitor());
    assertEquals(3, f.earlyStopping().patience());
    assertEquals("auto", f.earlyStopping().mode());
    assertTrue(f.earlyStopping().restoreBestWeights());
    assertEquals(0.5, f.reduceLr().factor());
    assertEquals(2, f.reduceLr().patience());
    assertEquals(1e-4, f.reduceLr().minDelta());
    assertEquals(0, f.reduceLr().cooldown());
    assertTrue(f.optimization().rateInput(), "ReduceLROnPlateau makes the rate a step input");
    assertEquals("max", f.saveBest().mode());
    assertTrue(!parse().optimization().rateInput(), "the seed's rate stays a constant of the graph");
  }
}
