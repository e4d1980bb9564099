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
 * model (window 20 × 130 features) or the competitors' starter MLP (a [130] row: BN, Dense 384/896/896/394 each with
 * BN and swish, Dense(5, sigmoid); its dropouts are identities at inference and left out), with initial weights, a row
 * with a few missing values, dates of {@code rowsPerDate} rows so that the window's first-row padding and the date
 * change are in the mix. {@code engine}: the folded single-row plan, or the evaluation graph at batch 1 (the
 * baseline). Scores are microseconds per row (the allocation-free predict).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
public class StreamPredictBenchmark {
  @Param({"4800"})
  public int rowsPerDate;

  @Param({"seed", "starter"})
  public String model;

  @Param({"plan", "graph"})
  public String engine;

  private StreamPredictor predictor;
  private float[][] rows;
  private float[] out;
  private long n;

  @Setup(Level.Trial)
  public void setUp() {
    Model m = model.equals("seed") ? Model.seed(20, 130, 0.1) : starterMlp();
    Map<String, Tensor> vars = StepGraphs.initialState(m, 1, Map.of());
    predictor = StreamPredictor.of(m, vars, new StreamPredictor.Options(-100f, false, engine));
    Random r = new Random(7);
    rows = new float[64][130];
    for (float[] row : rows) {
      for (int j = 0; j < row.length; j++) row[j] = r.nextInt(50) == 0 ? Float.NaN : (float) r.nextGaussian();
    }
    out = new float[predictor.units()];
  }

  /** The "Jane Street Neural Network Starter" at inference (no dropout). */
  static Model starterMlp() {
    Model.Builder b = new Model.Builder("starter");
    Model.Node x = b.batchNormalization(b.input(130));
    for (int units : new int[] {384, 896, 896, 394}) x = b.activation(b.batchNormalization(b.dense(x, units, "linear")), "swish");
    return b.build(b.dense(x, 5, "sigmoid"));
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
