package dev.kiln.train;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.backend.Backend;
import dev.kiln.core.backend.Device;
import dev.kiln.core.backend.DeviceArray;
import dev.kiln.core.backend.Executable;
import dev.kiln.io.pipeline.Batch;
import dev.kiln.ops.Model;
import dev.kiln.ops.metrics.Metrics;
import dev.kiln.ops.train.Sgd;
import dev.kiln.ops.train.StepGraphs;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The compiled training and evaluation steps of one model on one backend, with the training state resident on the
 * devices (one copy per replica). Only batches go in; the loss, metric counters and probabilities come out when
 * asked for.
 */
final class StepRunner implements AutoCloseable {
  private final Backend backend;
  private final List<Device> devices;
  private final int replicas;
  private final int localBatch;
  private final StepGraphs.Step train;
  private final StepGraphs.Step eval;
  private final Executable trainExe;
  private final Executable evalExe;
  private final Map<String, List<DeviceArray>> state = new LinkedHashMap<>();
  private final Map<String, List<DeviceArray>> evalMetrics = new LinkedHashMap<>();
  private final float[] weights;

  StepRunner(Backend backend, int replicas, Model model, int batchSize, Sgd sgd, long seed) {
    this(backend, replicas, model, batchSize, sgd, seed, 0);
  }

  StepRunner(Backend backend, int replicas, Model model, int batchSize, Sgd sgd, long seed, int batchNormGroup) {
    if (batchSize % replicas != 0) {
      throw new IllegalArgumentException("batch size " + batchSize + " does not split into " + replicas + " replicas");
    }
    if (replicas > backend.devices().size()) {
      throw new IllegalArgumentException(replicas + " replicas need " + replicas + " devices; " + backend.name()
          + " has " + backend.devices().size());
    }
    this.backend = backend;
    this.devices = backend.devices().subList(0, replicas);
    this.replicas = replicas;
    this.localBatch = batchSize / replicas;
    // Without an optimizer only the evaluation step is built (prediction).
    this.train = sgd == null ? null : StepGraphs.training(model, localBatch, replicas, sgd, seed, batchNormGroup);
    this.eval = StepGraphs.evaluation(model, localBatch, replicas);
    this.trainExe = train == null ? null : backend.compile(train.graph(), train.options());
    this.evalExe = backend.compile(eval.graph(), eval.options());
    this.weights = new float[localBatch];
  }

  int replicas() {
    return replicas;
  }

  /** Puts host state on every replica's device, replacing what was there. */
  void putState(Map<String, Tensor> values) {
    for (var e : values.entrySet()) {
      List<DeviceArray> old = state.put(e.getKey(), putEverywhere(e.getValue()));
      if (old != null) old.forEach(DeviceArray::close);
    }
  }

  private List<DeviceArray> putEverywhere(Tensor t) {
    List<DeviceArray> l = new ArrayList<>(replicas);
    for (Device d : devices) l.add(backend.put(t, d));
    return l;
  }

  /** Reads state entries from replica 0 (all replicas hold the same values). */
  Map<String, Tensor> readState(List<String> names) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (String n : names) m.put(n, backend.get(state.get(n).get(0)));
    return m;
  }

  /** Reads the evaluation counters. */
  Map<String, Tensor> readEvalMetrics() {
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (var e : evalMetrics.entrySet()) m.put(e.getKey(), backend.get(e.getValue().get(0)));
    return m;
  }

  void resetTrainMetrics() {
    putState(StepGraphs.zeroMetrics());
  }

  void resetEvalMetrics() {
    for (var e : StepGraphs.zeroMetrics().entrySet()) {
      List<DeviceArray> old = evalMetrics.put(e.getKey(), putEverywhere(e.getValue()));
      if (old != null) old.forEach(DeviceArray::close);
    }
  }

  /** One training step on a full batch; returns the batch's mean loss. */
  double trainStep(Batch batch, int step) {
    if (train == null) throw new IllegalStateException("this runner was built for prediction only");
    if (batch.size() != localBatch * replicas) {
      throw new IllegalStateException("training batch of " + batch.size() + ", expected " + localBatch * replicas);
    }
    Map<String, List<DeviceArray>> in = new LinkedHashMap<>();
    Tensor stepT = Tensor.wrap(DType.U32, Shape.scalar(), new int[] {step});
    for (int r = 0; r < replicas; r++) {
      Map<String, Tensor> t = batchTensors(batch, r);
      t.put("step", stepT);
      for (var e : t.entrySet()) {
        in.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(backend.put(e.getValue(), devices.get(r)));
      }
    }
    try {
      return trainStep(in, true);
    } finally {
      for (List<DeviceArray> l : in.values()) l.forEach(DeviceArray::close);
    }
  }

  /**
   * One training step on batch inputs already on the devices (x, y, step: one array per replica), which stay
   * there; returns the batch's mean loss when {@code readLoss}, else NaN (no device-to-host transfer).
   */
  double trainStep(Map<String, List<DeviceArray>> batchInputs, boolean readLoss) {
    if (train == null) throw new IllegalStateException("this runner was built for prediction only");
    Map<String, List<DeviceArray>> both = new LinkedHashMap<>(state);
    both.putAll(batchInputs);
    List<List<DeviceArray>> args = new ArrayList<>();
    for (int r = 0; r < replicas; r++) args.add(arguments(train.inputs(), r, both, Map.of(), null));
    List<List<DeviceArray>> outs = trainExe.execute(args);
    List<String> names = train.graph().outputNames();
    double loss = Double.NaN;
    for (int r = 0; r < replicas; r++) {
      for (int o = 0; o < names.size(); o++) {
        DeviceArray a = outs.get(r).get(o);
        if (o < train.state().size()) {
          DeviceArray old = state.get(names.get(o)).set(r, a);
          if (old != a) old.close(); // donated: this frees the handle the plugin no longer uses
        } else {
          if (r == 0 && readLoss) loss = backend.get(a).item();
          a.close();
        }
      }
    }
    return loss;
  }

  /** Puts a host tensor on every replica's device (for resident batch inputs). */
  List<DeviceArray> putOnAll(Tensor t) {
    return putEverywhere(t);
  }

  int localBatch() {
    return localBatch;
  }

  /** One evaluation step on a batch that may be partial; returns the probabilities of its valid samples. */
  float[] evalStep(Batch batch) {
    List<List<DeviceArray>> args = new ArrayList<>();
    List<DeviceArray> transient_ = new ArrayList<>();
    Map<String, List<DeviceArray>> both = new LinkedHashMap<>(state);
    both.putAll(evalMetrics);
    for (int r = 0; r < replicas; r++) {
      Map<String, Tensor> in = batchTensors(batch, r);
      for (int i = 0; i < localBatch; i++) weights[i] = r * localBatch + i < batch.size() ? 1f : 0f;
      in.put("weight", Tensor.of(weights, localBatch, 1));
      args.add(arguments(eval.inputs(), r, both, in, transient_));
    }
    List<List<DeviceArray>> outs = evalExe.execute(args);
    transient_.forEach(DeviceArray::close);
    List<String> names = eval.graph().outputNames();
    float[] probs = new float[batch.size()];
    for (int r = 0; r < replicas; r++) {
      for (int o = 0; o < names.size(); o++) {
        DeviceArray a = outs.get(r).get(o);
        if (o < eval.state().size()) {
          DeviceArray old = evalMetrics.get(names.get(o)).set(r, a);
          if (old != a) old.close();
        } else {
          float[] p = backend.get(a).floats();
          int n = Math.min(localBatch, batch.size() - r * localBatch);
          if (n > 0) System.arraycopy(p, 0, probs, r * localBatch, n);
          a.close();
        }
      }
    }
    return probs;
  }

  /** Replica r's slice of the batch as tensors over the batch's direct buffers (no copy). */
  private Map<String, Tensor> batchTensors(Batch batch, int r) {
    int per = batch.sampleFloats();
    ByteBuffer fb = batch.featureBytes().duplicate().clear();
    fb.position(r * localBatch * per * 4).limit((r + 1) * localBatch * per * 4);
    ByteBuffer lb = batch.labelBytes().duplicate().clear();
    lb.position(r * localBatch * 4).limit((r + 1) * localBatch * 4);
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("x", Tensor.wrap(DType.F32, Shape.of(localBatch, batch.window(), batch.featureCount()), fb));
    m.put("y", Tensor.wrap(DType.F32, Shape.of(localBatch, 1), lb));
    return m;
  }

  private List<DeviceArray> arguments(List<String> inputs, int r, Map<String, List<DeviceArray>> resident,
      Map<String, Tensor> batch, List<DeviceArray> transient_) {
    List<DeviceArray> a = new ArrayList<>(inputs.size());
    for (String name : inputs) {
      List<DeviceArray> s = resident.get(name);
      if (s != null) {
        a.add(s.get(r));
      } else {
        Tensor t = batch.get(name);
        if (t == null) throw new IllegalStateException("no value for step input '" + name + "'");
        DeviceArray d = backend.put(t, devices.get(r));
        transient_.add(d);
        a.add(d);
      }
    }
    return a;
  }

  /** The metric names a step accumulates. */
  static List<String> metricNames() {
    return new ArrayList<>(Metrics.accumulators().keySet());
  }

  @Override
  public void close() {
    for (List<DeviceArray> l : state.values()) l.forEach(DeviceArray::close);
    for (List<DeviceArray> l : evalMetrics.values()) l.forEach(DeviceArray::close);
    if (trainExe != null) trainExe.close();
    evalExe.close();
  }
}
