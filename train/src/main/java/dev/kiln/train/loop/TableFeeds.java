package dev.kiln.train.loop;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.core.backend.DeviceArray;
import dev.kiln.io.pipeline.WindowStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Training feeds when the dataset lives on the devices: each step gets only its windows' start rows (S32 [local] per
 * replica) and the step number, in the same order as the host stream would give the batches. It counts the batches
 * given, the stream position a checkpoint records.
 */
public final class TableFeeds implements FitLoop.Feeds {
  private final DeviceRunner runner;
  private final DeviceDataset table;
  private final WindowStream ids;
  private final int local;
  private long position;

  public TableFeeds(DeviceRunner runner, DeviceDataset table, WindowStream ids, int localBatch, long position) {
    this.runner = runner;
    this.table = table;
    this.ids = ids;
    this.local = localBatch;
    this.position = position;
  }

  @Override
  public Map<String, List<DeviceArray>> next(long globalStep) {
    position++;
    List<Tensor> starts = new ArrayList<>(runner.replicas());
    for (int r = 0; r < runner.replicas(); r++) {
      int[] s = new int[local];
      for (int i = 0; i < local; i++) {
        long id = ids.next();
        if (id < 0) throw new IllegalStateException("the training window stream ended");
        s[i] = table.start(id);
      }
      starts.add(Tensor.of(s, local));
    }
    Map<String, List<DeviceArray>> m = new LinkedHashMap<>();
    m.put("starts", runner.scatter(starts));
    m.put("step", runner.onEveryDevice(Tensor.wrap(DType.U32, Shape.scalar(), new int[] {(int) globalStep})));
    return m;
  }

  @Override
  public void done(Map<String, List<DeviceArray>> feeds) {
    DeviceRunner.release(feeds);
  }

  @Override
  public long position() {
    return position;
  }
}
