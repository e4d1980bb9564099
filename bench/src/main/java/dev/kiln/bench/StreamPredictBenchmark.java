package dev.kiln.bench;

import dev.kiln.core.Tensor;
import dev.kiln.ops.Model;
import dev.kiln.ops.train.StepGraphs;
import dev.kiln.train.stream.StreamPredictor;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One test row answered by {@link StreamPredictor} on the Java backend, as the competition's API asked: the seed
 * model (window 20 × 130 features, initial weights) at batch 1, a row with a few missing values, dates of
 * {@code rowsPerDate} rows so that the window's first-row padding and the date change are in the mix. Scores are
 * microseconds per row (the allocation-free predict).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
public class StreamPredictBenchmark {
  @Param({"4800"})
  public int rowsPerDate;

  private StreamPredictor predictor;
  private float[][] rows;
  private float[] out;
  private long n;

  @Setup(Level.Trial)
  public void setUp() {
    Model model = Model.seed(20, 130, 0.1);
    Map<String, Tensor> vars = StepGraphs.initialState(model, 1, Map.of());
    predictor = StreamPredictor.of(model, vars, StreamPredictor.Options.defaults());
    Random r = new Random(7);
    rows = new float[64][130];
    for (float[] row : rows) {
      for (int j = 0; j < row.length; j++) row[j] = r.nextInt(50) == 0 ? Float.NaN : (float) r.nextGaussian();
    }
    out = new float[predictor.units()];
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    predictor.close();
  }

  @Benchmark
  public int predictOneRow() {
    long i = n++;
    return predictor.predict((int) (i / rowsPerDate), 1f, rows[(int) (i & 63)], out);
  }
}
