package dev.kiln.train.loop;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.backend.DeviceArray;
import dev.kiln.io.pipeline.Batch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A host batch as a step's feeds: replica r gets rows [r·local, (r+1)·local) of x and y, as tensors over the batch's
 * direct buffers (no copy on the host), copied to its device; the training step also gets the step number, the
 * evaluation step a weight that is 0 on the padding of a partial last batch.
 */
public final class BatchFeeds {
  private BatchFeeds() {}

  /** x, y, step and, when the batch carries them, the sample weights for the training step. */
  public static Map<String, List<DeviceArray>> training(DeviceRunner runner, Batch b, int local, long step) {
    return training(runner, b, local, step, null);
  }

  /**
   * As above; with {@code holds} not null, x and y are placed without waiting for the batch's memory to be read
   * ({@link DeviceRunner#scatterAsync}) and the holds on it are added there: the batch must stay unchanged until
   * they are done.
   */
  public static Map<String, List<DeviceArray>> training(DeviceRunner runner, Batch b, int local, long step,
      List<dev.kiln.core.backend.HostHold> holds) {
    Map<String, List<DeviceArray>> m = xy(runner, b, local, holds);
    if (b.weighted()) {
      List<Tensor> ws = new ArrayList<>();
      for (int r = 0; r < runner.replicas(); r++) {
        ByteBuffer wb = b.sampleWeightBytes().duplicate().clear();
        wb.position(r * local * 4).limit((r + 1) * local * 4);
        ws.add(Tensor.wrap(DType.F32, Shape.of(local, 1), wb));
      }
      m.put("sample_weight", holds == null ? runner.scatter(ws) : runner.scatterAsync(ws, holds));
    }
    m.put("step", runner.onEveryDevice(Tensor.wrap(DType.U32, Shape.scalar(), new int[] {(int) step})));
    return m;
  }

  /** x, y and weight for the evaluation step (the batch may be partial). */
  public static Map<String, List<DeviceArray>> evaluation(DeviceRunner runner, Batch b, int local) {
    Map<String, List<DeviceArray>> m = xy(runner, b, local, null);
    List<Tensor> w = new ArrayList<>();
    for (int r = 0; r < runner.replicas(); r++) {
      float[] weights = new float[local];
      for (int i = 0; i < local; i++) weights[i] = r * local + i < b.size() ? 1f : 0f;
      w.add(Tensor.of(weights, local, 1));
    }
    m.put("weight", runner.scatter(w));
    return m;
  }

  private static Map<String, List<DeviceArray>> xy(DeviceRunner runner, Batch b, int local,
      List<dev.kiln.core.backend.HostHold> holds) {
    int per = b.sampleFloats();
    List<Tensor> xs = new ArrayList<>(), ys = new ArrayList<>();
    for (int r = 0; r < runner.replicas(); r++) {
      ByteBuffer fb = b.featureBytes().duplicate().clear();
      fb.position(r * local * per * 4).limit((r + 1) * local * per * 4);
      ByteBuffer lb = b.labelBytes().duplicate().clear();
      lb.position(r * local * b.targets() * 4).limit((r + 1) * local * b.targets() * 4);
      xs.add(Tensor.wrap(DType.F32, Shape.of(local, b.window(), b.featureCount()), fb));
      ys.add(Tensor.wrap(DType.F32, Shape.of(local, b.targets()), lb));
    }
    Map<String, List<DeviceArray>> m = new LinkedHashMap<>();
    m.put("x", holds == null ? runner.scatter(xs) : runner.scatterAsync(xs, holds));
    m.put("y", holds == null ? runner.scatter(ys) : runner.scatterAsync(ys, holds));
    return m;
  }

  /** Closes every array of a feeds map. */
  public static void close(Map<String, List<DeviceArray>> feeds) {
    DeviceRunner.release(feeds);
  }
}
