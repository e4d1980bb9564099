package dev.kiln.train.cli;

import dev.kiln.ops.train.Adam;
import dev.kiln.ops.train.LossSpec;
import dev.kiln.ops.train.Losses;
import dev.kiln.ops.train.LrSchedule;
import dev.kiln.ops.train.Optimization;
import dev.kiln.ops.train.Optimizer;
import dev.kiln.ops.train.RmsProp;
import dev.kiln.ops.train.Sgd;
import dev.kiln.train.FitOptions;
import dev.kiln.train.loop.EarlyStoppingHook;
import dev.kiln.train.loop.Monitors;
import dev.kiln.train.loop.ReduceLrOnPlateauHook;
import dev.kiln.train.loop.SaveBestHook;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code kiln train}'s optimizer, learning-rate schedule and Keras fit-callback flags. A flag that does not apply to
 * the chosen optimizer, or a callback setting without its callback, is refused in one line naming it.
 */
public final class FitFlags {
  @Option(names = "--optimizer", paramLabel = "sgd|adam|adamw|rmsprop",
      description = "Update rule, as Keras's (default sgd: the seed's SGD, lr 0.2, Nesterov momentum 0.9).")
  String optimizer;

  @Option(names = "--lr", paramLabel = "RATE",
      description = "Learning rate (the schedule's initial one); default 0.2 for sgd (the seed), else Keras's 0.001.")
  Double lr;

  @Option(names = "--momentum", description = "sgd: momentum (default 0.9); rmsprop: momentum (default 0).")
  Double momentum;

  @Option(names = "--nesterov", arity = "1", paramLabel = "true|false",
      description = "sgd: Nesterov momentum (default true, as the seed).")
  Boolean nesterov;

  @Option(names = "--beta1", description = "adam, adamw: beta_1 (default 0.9).")
  Double beta1;

  @Option(names = "--beta2", description = "adam, adamw: beta_2 (default 0.999).")
  Double beta2;

  @Option(names = "--epsilon", description = "adam, adamw, rmsprop: epsilon (default 1e-7).")
  Double epsilon;

  @Option(names = "--amsgrad", description = "adam, adamw: the AMSGrad variant.")
  Boolean amsgrad;

  @Option(names = "--weight-decay", description = "adamw: decoupled weight decay (default 0.004).")
  Double weightDecay;

  @Option(names = "--rho", description = "rmsprop: rho (default 0.9).")
  Double rho;

  @Option(names = "--centered", description = "rmsprop: the centered variant.")
  Boolean centered;

  @Option(names = "--lr-schedule", paramLabel = "SPEC", description = "exponential:DECAY_STEPS:RATE[:staircase], "
      + "cosine:DECAY_STEPS[:ALPHA[:WARMUP_STEPS:WARMUP_TARGET]] or piecewise:B1,B2,..:V0,V1,V2,.. (Keras's "
      + "schedules, from the step count).")
  String lrSchedule;

  @Option(names = "--early-stopping-monitor", paramLabel = "LOG",
      description = "Stop when this epoch log (e.g. val_auc, val_loss) stops improving (Keras's EarlyStopping).")
  String esMonitor;

  @Option(names = "--early-stopping-patience", paramLabel = "N", description = "Epochs without improvement (default 0).")
  Integer esPatience;

  @Option(names = "--early-stopping-min-delta", paramLabel = "D", description = "Smallest improvement (default 0).")
  Double esMinDelta;

  @Option(names = "--early-stopping-mode", paramLabel = "auto|min|max", description = "Keras's mode (default auto).")
  String esMode;

  @Option(names = "--early-stopping-baseline", paramLabel = "B", description = "Value the monitor must beat.")
  Double esBaseline;

  @Option(names = "--restore-best-weights", description = "With early stopping: end with the best epoch's weights.")
  Boolean restoreBest;

  @Option(names = "--reduce-lr-on-plateau", paramLabel = "LOG:FACTOR:PATIENCE",
      description = "Multiply the learning rate by FACTOR after PATIENCE epochs without improvement of LOG.")
  String reduceLr;

  @Option(names = "--reduce-lr-min-lr", paramLabel = "RATE", description = "Lower bound of the rate (default 0).")
  Double rlrMinLr;

  @Option(names = "--reduce-lr-cooldown", paramLabel = "N", description = "Epochs to wait after a reduction (default 0).")
  Integer rlrCooldown;

  @Option(names = "--reduce-lr-min-delta", paramLabel = "D", description = "Smallest improvement (default 1e-4).")
  Double rlrMinDelta;

  @Option(names = "--reduce-lr-mode", paramLabel = "auto|min|max", description = "Keras's mode (default auto).")
  String rlrMode;

  @Option(names = "--save-best", paramLabel = "LOG",
      description = "Write the model of the epoch with the best LOG to best/ (Keras's ModelCheckpoint save_best_only).")
  String saveBest;

  @Option(names = "--save-best-mode", paramLabel = "auto|min|max", description = "Keras's mode (default auto).")
  String saveBestMode;

  @Option(names = "--tensorboard", paramLabel = "DIR", description = "Write each epoch's logs as TensorBoard event "
      + "files to DIR/train and DIR/validation (Keras's TensorBoard callback); view them with tensorboard --logdir DIR.")
  Path tensorboard;

  @Option(names = "--loss", paramLabel = "OUT=bce|mse|mae[,...]", description = "Each output's loss by its layer "
      + "name, as Keras's compile(loss={...}): bce (binary cross-entropy on --targets; the default for a sigmoid "
      + "output), mse or mae (a linear output reconstructing the input features; required for one).")
  String loss;

  @Option(names = "--loss-weights", paramLabel = "OUT=W[,...]",
      description = "Each output's weight in the total loss, as Keras's loss_weights (default 1).")
  String lossWeights;

  @Option(names = "--label-smoothing", paramLabel = "S",
      description = "Label smoothing of every bce, as Keras's BinaryCrossentropy(label_smoothing=S) (default 0).")
  Double labelSmoothing;

  @Option(names = "--from-logits", paramLabel = "OUT[,OUT...]", split = ",", description = "Outputs whose bce takes "
      + "logits, as Keras's BinaryCrossentropy(from_logits=True): each a Dense with a linear activation in the "
      + "model.json, trained on its logits and given a sigmoid, so the run's saved model answers probabilities.")
  List<String> fromLogits;

  @Option(names = "--action-output", paramLabel = "NAME", description = "With several outputs: the sigmoid output "
      + "whose probabilities give the utility score, the plots and metrics.json's val_auc (default the last sigmoid "
      + "output).")
  String actionOutput;

  /** The log names the callbacks may monitor: the seed's until {@link #fitOptions(List)} names a model's. */
  private List<String> logNames = Monitors.NAMES;

  /** The optimizer, callbacks and losses these flags ask for, for a model that logs the seed's names. */
  public FitOptions fitOptions() {
    return fitOptions(Monitors.NAMES);
  }

  /** As above, for a model whose epochs log {@code logNames} (a monitor must be one of them). */
  public FitOptions fitOptions(List<String> logNames) {
    this.logNames = logNames;
    return new FitOptions(Optimization.of(optimizer(), schedule(lrSchedule)), earlyStopping(), reduceLr(), saveBest(),
        lossSpec(), tensorboard);
  }

  /**
   * The fit of a Keras model.save() file: its compile settings' optimizer (with its schedule) and losses, these
   * flags' callbacks. A flag that sets what the file sets is refused in one line: the file decides.
   */
  public FitOptions fitOptions(List<String> logNames, Optimization saved, LossSpec savedLosses) {
    List<String> clash = new ArrayList<>(given());
    Map<String, Object> more = new java.util.LinkedHashMap<>();
    more.put("--optimizer", optimizer);
    more.put("--lr", lr);
    more.put("--lr-schedule", lrSchedule);
    more.put("--loss", loss);
    more.put("--loss-weights", lossWeights);
    more.put("--label-smoothing", labelSmoothing);
    more.put("--from-logits", fromLogits);
    more.forEach((k, v) -> {
      if (v != null) clash.add(k);
    });
    if (!clash.isEmpty()) throw dev.kiln.train.keras.ModelSource.setByTheFile(clash);
    this.logNames = logNames;
    return new FitOptions(saved, earlyStopping(), reduceLr(), saveBest(), savedLosses.withAction(actionOutput),
        tensorboard);
  }

  /** The losses {@code --loss}, {@code --loss-weights}, {@code --label-smoothing} and {@code --action-output} ask for. */
  public LossSpec lossSpec() {
    Map<String, Losses.Kind> kinds = new java.util.LinkedHashMap<>();
    pairs("--loss", loss).forEach((out, kind) -> {
      try {
        kinds.put(out, Losses.Kind.valueOf(kind.toUpperCase(java.util.Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--loss " + out + "=" + kind + ": a loss is bce, mse or mae");
      }
    });
    Map<String, Double> weights = new java.util.LinkedHashMap<>();
    pairs("--loss-weights", lossWeights).forEach((out, w) -> {
      try {
        weights.put(out, Double.parseDouble(w));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--loss-weights " + out + "=" + w + ": not a number");
      }
    });
    return new LossSpec(kinds, weights, labelSmoothing == null ? 0 : labelSmoothing, Map.of(), actionOutput,
        fromLogits == null ? java.util.Set.of() : new java.util.LinkedHashSet<>(fromLogits), Map.of());
  }

  /** NAME=VALUE pairs separated by commas (null: none); a malformed or repeated name is refused in one line. */
  static Map<String, String> pairs(String flag, String value) {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    if (value == null) return m;
    for (String part : value.split(",", -1)) {
      int eq = part.indexOf('=');
      String name = eq < 0 ? "" : part.substring(0, eq).strip(), v = eq < 0 ? "" : part.substring(eq + 1).strip();
      if (name.isEmpty() || v.isEmpty()) {
        throw new IllegalArgumentException(flag + " must be OUTPUT=VALUE pairs separated by commas (e.g. "
            + "decoder=mse,action=bce); got '" + part + "'");
      }
      if (m.put(name, v) != null) throw new IllegalArgumentException(flag + " names output '" + name + "' twice");
    }
    return m;
  }

  Optimizer optimizer() {
    String optimizer = this.optimizer == null ? "sgd" : this.optimizer;
    List<String> given = given();
    List<String> allowed = switch (optimizer) {
      case "sgd" -> List.of("--momentum", "--nesterov");
      case "adam" -> List.of("--beta1", "--beta2", "--epsilon", "--amsgrad");
      case "adamw" -> List.of("--beta1", "--beta2", "--epsilon", "--amsgrad", "--weight-decay");
      case "rmsprop" -> List.of("--rho", "--momentum", "--epsilon", "--centered");
      default -> throw new IllegalArgumentException("--optimizer must be sgd, adam, adamw or rmsprop; got " + optimizer);
    };
    for (String g : given) {
      if (!allowed.contains(g)) throw new IllegalArgumentException(g + " does not apply to --optimizer " + optimizer);
    }
    return switch (optimizer) {
      case "sgd" -> new Sgd(or(lr, 0.2), or(momentum, 0.9), nesterov == null || nesterov);
      case "rmsprop" -> new RmsProp(or(lr, 0.001), or(rho, 0.9), or(momentum, 0.0), or(epsilon, 1e-7),
          centered != null && centered);
      default -> {
        Adam k = optimizer.equals("adamw") ? Adam.kerasW() : Adam.keras();
        yield new Adam(or(lr, k.learningRate()), or(beta1, k.beta1()), or(beta2, k.beta2()), or(epsilon, k.epsilon()),
            amsgrad != null && amsgrad, or(weightDecay, k.weightDecay()));
      }
    };
  }

  /** The optimizer-specific flags given, by name. */
  private List<String> given() {
    List<String> g = new ArrayList<>();
    Map<String, Object> flags = new java.util.LinkedHashMap<>();
    flags.put("--momentum", momentum);
    flags.put("--nesterov", nesterov);
    flags.put("--beta1", beta1);
    flags.put("--beta2", beta2);
    flags.put("--epsilon", epsilon);
    flags.put("--amsgrad", amsgrad);
    flags.put("--weight-decay", weightDecay);
    flags.put("--rho", rho);
    flags.put("--centered", centered);
    flags.forEach((k, v) -> {
      if (v != null) g.add(k);
    });
    return g;
  }

  /** Parses {@code --lr-schedule} (null: none). */
  static LrSchedule schedule(String spec) {
    if (spec == null) return null;
    String[] p = spec.split(":", -1);
    try {
      switch (p[0]) {
        case "exponential" -> {
          if (p.length < 3 || p.length > 4 || (p.length == 4 && !p[3].equals("staircase"))) break;
          return new LrSchedule.Exponential(Long.parseLong(p[1]), Double.parseDouble(p[2]), p.length == 4);
        }
        case "cosine" -> {
          if (p.length < 2 || p.length > 5 || p.length == 4) break;
          double alpha = p.length >= 3 ? Double.parseDouble(p[2]) : 0;
          return p.length == 5
              ? new LrSchedule.Cosine(Long.parseLong(p[1]), alpha, Long.parseLong(p[3]), Double.parseDouble(p[4]))
              : new LrSchedule.Cosine(Long.parseLong(p[1]), alpha);
        }
        case "piecewise" -> {
          if (p.length != 3) break;
          String[] b = p[1].split(",", -1), v = p[2].split(",", -1);
          long[] bs = new long[b.length];
          double[] vs = new double[v.length];
          for (int i = 0; i < b.length; i++) bs[i] = Long.parseLong(b[i].trim());
          for (int i = 0; i < v.length; i++) vs[i] = Double.parseDouble(v[i].trim());
          return new LrSchedule.Piecewise(bs, vs);
        }
        default -> { }
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--lr-schedule " + spec + ": not a number (" + e.getMessage() + ")");
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--lr-schedule " + spec + ": " + e.getMessage());
    }
    throw new IllegalArgumentException("--lr-schedule must be exponential:DECAY_STEPS:RATE[:staircase], "
        + "cosine:DECAY_STEPS[:ALPHA[:WARMUP_STEPS:WARMUP_TARGET]] or piecewise:B1,B2,..:V0,V1,V2,..; got " + spec);
  }

  EarlyStoppingHook.Config earlyStopping() {
    if (esMonitor == null) {
      requireAbsent("--early-stopping-monitor", "--early-stopping-patience", esPatience, "--early-stopping-min-delta",
          esMinDelta, "--early-stopping-mode", esMode, "--early-stopping-baseline", esBaseline,
          "--restore-best-weights", restoreBest);
      return null;
    }
    return new EarlyStoppingHook.Config(Monitors.check("--early-stopping-monitor", esMonitor, logNames), or(esMinDelta, 0.0),
        esPatience == null ? 0 : esPatience, esMode == null ? "auto" : esMode, esBaseline,
        restoreBest != null && restoreBest);
  }

  ReduceLrOnPlateauHook.Config reduceLr() {
    if (reduceLr == null) {
      requireAbsent("--reduce-lr-on-plateau", "--reduce-lr-min-lr", rlrMinLr, "--reduce-lr-cooldown", rlrCooldown,
          "--reduce-lr-min-delta", rlrMinDelta, "--reduce-lr-mode", rlrMode);
      return null;
    }
    String[] p = reduceLr.split(":", -1);
    if (p.length != 3) {
      throw new IllegalArgumentException("--reduce-lr-on-plateau must be LOG:FACTOR:PATIENCE (e.g. val_loss:0.5:2); "
          + "got " + reduceLr);
    }
    double factor;
    int patience;
    try {
      factor = Double.parseDouble(p[1]);
      patience = Integer.parseInt(p[2]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--reduce-lr-on-plateau " + reduceLr + ": not a number (" + e.getMessage() + ")");
    }
    return new ReduceLrOnPlateauHook.Config(Monitors.check("--reduce-lr-on-plateau LOG", p[0], logNames), factor, patience,
        rlrMode == null ? "auto" : rlrMode, or(rlrMinDelta, 1e-4), rlrCooldown == null ? 0 : rlrCooldown,
        or(rlrMinLr, 0.0));
  }

  SaveBestHook.Config saveBest() {
    if (saveBest == null) {
      requireAbsent("--save-best", "--save-best-mode", saveBestMode);
      return null;
    }
    return new SaveBestHook.Config(Monitors.check("--save-best", saveBest, logNames), saveBestMode == null ? "auto" : saveBestMode);
  }

  /** Where Keras's auto mode reads a higher-is-better log as lower-is-better (its rule is "acc" in the name). */
  List<String> notes() {
    List<String> n = new ArrayList<>();
    if (reduceLr != null && rlrMode == null && !reduceLr.startsWith("val_loss") && !reduceLr.startsWith("loss")) {
      n.add("as Keras, --reduce-lr-mode auto treats " + reduceLr.split(":")[0] + " as lower-is-better; pass "
          + "--reduce-lr-mode max if higher is better");
    }
    if (saveBest != null && saveBestMode == null && !saveBest.endsWith("loss")) {
      n.add("as Keras, --save-best-mode auto treats " + saveBest + " as lower-is-better; pass --save-best-mode max "
          + "if higher is better");
    }
    return n;
  }

  /** The momentum TrainOptions records: SGD's or RMSprop's, 0 for Adam. */
  static double momentum(Optimizer rule) {
    return rule instanceof Sgd s ? s.momentum() : rule instanceof RmsProp r ? r.momentum() : 0;
  }

  /** Fails naming the first of {@code flagValuePairs} given without {@code parent}. */
  private static void requireAbsent(String parent, Object... flagValuePairs) {
    for (int i = 0; i < flagValuePairs.length; i += 2) {
      if (flagValuePairs[i + 1] != null) {
        throw new IllegalArgumentException(flagValuePairs[i] + " needs " + parent);
      }
    }
  }

  private static double or(Double v, double dflt) {
    return v == null ? dflt : v;
  }
}
