package dev.kiln.train.keras;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.ops.Model;
import dev.kiln.ops.Variable;
import dev.kiln.ops.keras.KerasModels;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Node;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Keras {@code model.save("model.h5")} file: the architecture ({@code model_config}, read as a {@code model.json}
 * is), the weights under {@code model_weights} (each checked against the model's variable shape before its data is
 * read), the text of {@code training_config} when the model was compiled (null otherwise), and the optimizer's
 * state ({@link KerasOptimizerState}), which a run continues from as Keras's {@code load_model} does. An output
 * compiled with {@code BinaryCrossentropy(from_logits=True)} (a linear Dense) is read with a sigmoid
 * ({@link Model#trainedFromLogits}): Kiln's binary cross-entropy takes the sigmoid's input, so training is Keras's.
 */
public record KerasSavedModel(Model model, Map<String, Tensor> weights, String trainingConfig,
    KerasOptimizerState optimizer) {
  public static KerasSavedModel read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) throw new IOException("no such file: " + file);
    try (HdfFile h5 = new HdfFile(file)) {
      String config = text(h5, "model_config", file);
      if (config == null) {
        throw new IOException(file + ": no model_config attribute: not a Keras model.save() file (a save_weights() "
            + "file holds weights only; pass its model.json)");
      }
      String training = text(h5, "training_config", file);
      Model model;
      Set<String> logits;
      try {
        logits = training == null ? Set.of() : KerasCompile.logitOutputs(training, KerasModels.outputNames(config));
        model = KerasModels.fromJson(config, logits);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(file + ": model_config: " + e.getMessage(), e);
      }
      return new KerasSavedModel(model, weights(h5, model, file), training,
          training == null ? KerasOptimizerState.NONE : KerasOptimizerState.read(h5, model, file));
    } catch (io.jhdf.exceptions.HdfException e) {
      throw new IOException(file + ": not a readable HDF5 file: " + e.getMessage(), e);
    }
  }

  private static String text(HdfFile h5, String name, Path file) throws IOException {
    Attribute a = h5.getAttribute(name);
    if (a == null) return null;
    Object v = a.getData();
    if (!(v instanceof String s)) throw new IOException(file + ": attribute " + name + " is not a string");
    return s;
  }

  /** Every variable of {@code model} from {@code model_weights/<layer>/<layer>/<name>:0}. */
  private static Map<String, Tensor> weights(HdfFile h5, Model model, Path file) throws IOException {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Variable v : model.variables()) {
      String layer = v.name().substring(0, v.name().indexOf('/'));
      String path = "model_weights/" + layer + "/" + v.name() + ":0";
      out.put(v.name(), tensor(h5, path, v, file));
    }
    return out;
  }

  /** The float32 dataset at {@code path}, which must have {@code v}'s shape: checked before its data is read. */
  static Tensor tensor(HdfFile h5, String path, Variable v, Path file) throws IOException {
    Node n;
    try {
      n = h5.getByPath(path);
    } catch (io.jhdf.exceptions.HdfInvalidPathException e) {
      throw new IOException(file + ": no weight " + path + " for variable " + v.name());
    }
    if (!(n instanceof Dataset d)) throw new IOException(file + ": " + path + " is not a dataset");
    int[] dims = d.getDimensions(), want = v.shape().dims();
    if (!Arrays.equals(dims, want)) {
      throw new IOException(file + ": " + path + " has shape " + Arrays.toString(dims) + "; the model needs "
          + Arrays.toString(want));
    }
    return Tensor.wrap(DType.F32, v.shape(), floats(d.getDataFlat(), v.size(), path, file));
  }

  static float[] floats(Object flat, int size, String path, Path file) throws IOException {
    float[] f = new float[size];
    switch (flat) {
      case float[] a -> System.arraycopy(a, 0, f, 0, size);
      case double[] a -> { for (int i = 0; i < size; i++) f[i] = (float) a[i]; }
      case long[] a -> { for (int i = 0; i < size; i++) f[i] = a[i]; }
      case Long a -> f[0] = a;
      case Float a -> f[0] = a;
      default -> throw new IOException(file + ": " + path + " holds " + flat.getClass().getSimpleName() + ", not numbers");
    }
    return f;
  }

  /** The outputs compiled from logits, which the model gives a sigmoid. */
  public Set<String> logitOutputs() {
    return model.logitOutputs();
  }

  /**
   * The compile settings, for a model with these outputs (null when the model was saved uncompiled); the optimizer's
   * saved state must be the one they describe.
   */
  public KerasCompile compile(List<String> outputs) {
    if (trainingConfig == null) return null;
    KerasCompile c = KerasCompile.read(trainingConfig, outputs);
    optimizer.forKiln(c.optimization(), model.variables());
    return c;
  }
}
