package dev.kiln.train;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.core.cpu.JavaBackend;
import dev.kiln.core.graph.Tracer;
import dev.kiln.ops.train.LrSchedule;
import dev.kiln.train.loop.DeviceRunner;
import dev.kiln.train.loop.EarlyStoppingHook;
import dev.kiln.train.loop.FitLoop;
import dev.kiln.train.loop.ReduceLrOnPlateauHook;
import dev.kiln.train.loop.SaveBestHook;
import dev.kiln.train.loop.TensorBoardHook;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's Keras fit callbacks (early stopping, learning-rate reduction, keeping the best epoch's model, TensorBoard's
 * event files) as hooks, with their state carried through the checkpoint: the counters as JSON in its metadata
 * ({@code callbacks}), the best weights EarlyStopping keeps as tensors under {@link #BEST_WEIGHTS}. Closing them
 * closes the event files.
 */
final class Callbacks implements AutoCloseable {
  /** Checkpoint entries holding EarlyStopping's best weights, by variable name after this prefix. */
  static final String BEST_WEIGHTS = "callbacks/early_stopping/best/";

  /** The folder the best epoch's model files go to ({@code --save-best}). */
  static Path bestDir(Path out) {
    return out.resolve("best");
  }

  final EarlyStoppingHook earlyStopping;
  final ReduceLrOnPlateauHook reduceLr;
  final SaveBestHook saveBest;
  final TensorBoardHook tensorBoard;

  /** The callbacks {@code fit} asks for; TensorBoard's new event files are opened here. */
  Callbacks(FitOptions fit, DeviceRunner runner, List<String> variables, SaveBestHook.Writer bestWriter,
      PrintStream log) throws IOException {
    earlyStopping = fit.earlyStopping() == null ? null
        : new EarlyStoppingHook(fit.earlyStopping(), runner, variables, log);
    reduceLr = fit.reduceLr() == null ? null
        : new ReduceLrOnPlateauHook(fit.reduceLr(), ReduceLrOnPlateauHook.Rate.of(runner), log);
    saveBest = fit.saveBest() == null ? null : new SaveBestHook(fit.saveBest(), runner, variables, bestWriter, log);
    LrSchedule schedule = fit.optimization().schedule();
    double initial = fit.optimization().rule().learningRate();
    tensorBoard = fit.tensorboard() == null ? null
        : TensorBoardHook.open(fit.tensorboard(), schedule == null ? null : n -> rate(schedule, initial, n));
  }

  /** {@code schedule}'s rate at {@code iterations}, the float 32 the step graph computes, evaluated on the host. */
  static double rate(LrSchedule schedule, double initial, long iterations) {
    Tracer t = new Tracer();
    try (JavaBackend host = new JavaBackend()) {
      return host.evaluate(t.build(schedule.at(initial, t.scalar(iterations, DType.U32)))).get(0).floats()[0];
    }
  }

  /** The hooks that change the logs or the rate, to run before the history records the epoch (Keras's order). */
  List<FitLoop.Hook> beforeHistory() {
    return reduceLr == null ? List.of() : List.of(reduceLr);
  }

  /** The hooks that read the epoch's logs, to run after the history and before the checkpoint. */
  List<FitLoop.Hook> afterHistory() {
    List<FitLoop.Hook> h = new ArrayList<>();
    if (tensorBoard != null) h.add(tensorBoard);
    if (earlyStopping != null) h.add(earlyStopping);
    if (saveBest != null) h.add(saveBest);
    return h;
  }

  @Override
  public void close() throws IOException {
    if (tensorBoard != null) tensorBoard.close();
  }

  /** Whether EarlyStopping ended the run before its last epoch. */
  boolean stopped() {
    return earlyStopping != null && earlyStopping.state().stoppedEpoch() > 0;
  }

  /** The callbacks' counters, for the checkpoint's metadata. */
  Map<String, String> metadata() {
    Map<String, Object> m = new LinkedHashMap<>();
    if (earlyStopping != null) {
      EarlyStoppingHook.State s = earlyStopping.state();
      m.put("early_stopping", Map.of("wait", s.waited(), "stopped_epoch", s.stoppedEpoch(), "best", number(s.best()),
          "best_epoch", s.bestEpoch()));
    }
    if (reduceLr != null) {
      ReduceLrOnPlateauHook.State s = reduceLr.state();
      m.put("reduce_lr_on_plateau", Map.of("wait", s.waited(), "cooldown_counter", s.cooldownCounter(),
          "best", number(s.best())));
    }
    if (saveBest != null) m.put("save_best", Map.of("best", number(saveBest.best())));
    try {
      return Map.of("callbacks", Trainer.JSON.writeValueAsString(m));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The tensors the checkpoint keeps beside the training state: EarlyStopping's best weights. */
  Map<String, Tensor> tensors() {
    Map<String, Tensor> t = new LinkedHashMap<>();
    if (earlyStopping != null && earlyStopping.bestWeights() != null) {
      earlyStopping.bestWeights().forEach((k, v) -> t.put(BEST_WEIGHTS + k, v));
    }
    return t;
  }

  /** Continues from {@code ckpt}'s callback state (a resumed run goes on exactly as the killed one would have). */
  void resume(Checkpoint ckpt) throws IOException {
    String json = ckpt.metadata().get("callbacks");
    Map<String, Map<String, Object>> m = json == null ? Map.of()
        : Trainer.JSON.readValue(json, new TypeReference<LinkedHashMap<String, Map<String, Object>>>() {});
    if (earlyStopping != null && m.containsKey("early_stopping")) {
      Map<String, Object> s = m.get("early_stopping");
      Map<String, Tensor> weights = new LinkedHashMap<>();
      ckpt.state().forEach((k, v) -> {
        if (k.startsWith(BEST_WEIGHTS)) weights.put(k.substring(BEST_WEIGHTS.length()), v);
      });
      earlyStopping.resume(new EarlyStoppingHook.State(integer(s, "wait"), integer(s, "stopped_epoch"),
          real(s, "best"), integer(s, "best_epoch")), weights.isEmpty() ? null : weights);
    }
    if (reduceLr != null && m.containsKey("reduce_lr_on_plateau")) {
      Map<String, Object> s = m.get("reduce_lr_on_plateau");
      reduceLr.resume(new ReduceLrOnPlateauHook.State(integer(s, "wait"), integer(s, "cooldown_counter"),
          real(s, "best")));
    }
    if (saveBest != null && m.containsKey("save_best")) saveBest.resume(real(m.get("save_best"), "best"));
  }

  /** Fails when {@code ckpt} is of a run EarlyStopping already ended: there is nothing to continue. */
  static void checkNotStopped(Checkpoint ckpt, Path out) throws IOException {
    int stopped = stoppedEpoch(ckpt);
    if (stopped > 0) {
      throw new IllegalArgumentException("the run in " + out + " was ended by early stopping after epoch "
          + (stopped + 1) + "; there is nothing to resume");
    }
  }

  /** The epoch (from 0) after which EarlyStopping ended the run of {@code ckpt}; 0 when it did not. */
  static int stoppedEpoch(Checkpoint ckpt) throws IOException {
    String json = ckpt.metadata().get("callbacks");
    if (json == null) return 0;
    Map<String, Map<String, Object>> m =
        Trainer.JSON.readValue(json, new TypeReference<LinkedHashMap<String, Map<String, Object>>>() {});
    Map<String, Object> es = m.get("early_stopping");
    return es == null ? 0 : integer(es, "stopped_epoch");
  }

  /** Infinities as strings: JSON has no number for them. */
  private static Object number(double d) {
    return Double.isFinite(d) ? (Object) d : Double.toString(d);
  }

  private static double real(Map<String, Object> m, String k) {
    Object v = m.get(k);
    return v instanceof Number n ? n.doubleValue() : Double.parseDouble(String.valueOf(v));
  }

  private static int integer(Map<String, Object> m, String k) {
    return ((Number) m.get(k)).intValue();
  }

  /** The writer of {@code --save-best}: the best epoch's model files in {@link #bestDir(Path)}. */
  static SaveBestHook.Writer bestWriter(Path out, dev.kiln.ops.Model model, TrainOptions o) {
    return (epoch, variables) -> {
      Files.createDirectories(bestDir(out));
      ModelFiles.write(bestDir(out), model, variables, o);
      Trainer.writeJson(bestDir(out).resolve("epoch.json"), Map.of("epoch", epoch + 1));
    };
  }
}
