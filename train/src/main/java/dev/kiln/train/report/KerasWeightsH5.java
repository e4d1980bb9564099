package dev.kiln.train.report;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import dev.kiln.io.AtomicFiles;
import dev.kiln.ops.Layer;
import dev.kiln.ops.Model;
import dev.kiln.ops.Variable;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code model.h5}: the weights in the HDF5 layout of Keras's {@code model.save_weights("model.h5")}, so that a
 * Keras user's {@code model.load_weights("model.h5")} works on the model built from {@code model.json}.
 *
 * <p>Layout, as Keras writes it: root attributes {@code layer_names}, {@code backend}, {@code keras_version}; per
 * layer a group with attribute {@code weight_names} ({@code "conv1d/kernel:0", ...}, trainable weights first, then
 * non-trainable, Keras's order) and the datasets at {@code <layer>/<layer>/<weight>:0}. Strings are fixed-length
 * byte strings, as h5py writes Keras's. Normalization's {@code count} is int64, as in Keras; the rest float32.
 *
 * <p>One difference: {@code layer_names} lists only the layers that have weights. Keras also lists weightless
 * layers, each with an empty group, but jhdf 0.9.4 writes a file that neither it nor h5py can open when it holds an
 * empty group (checked). Keras's loader skips weightless layers anyway (it matches the layers that have weights, in
 * order, or by name), so loading is unaffected.
 *
 * <p>HDF5 cannot be streamed, so the file is written beside the target and then published atomically.
 */
public final class KerasWeightsH5 {
  private KerasWeightsH5() {}

  /** Writes {@code state}'s values of {@code model}'s variables to {@code target}. */
  public static void write(Path target, Model model, Map<String, Tensor> state, String kerasVersion)
      throws IOException {
    List<Layer> layers = new ArrayList<>();
    for (Model.Node n : model.kerasOrder()) {
      if (!n.layer().variables().isEmpty()) layers.add(n.layer());
    }
    // Named as AtomicFiles names its temporaries, so a kill midway leaves what the next run in the folder removes.
    Path tmp = AtomicFiles.tempFileFor(target);
    try {
      try (WritableHdfFile f = HdfFile.write(tmp)) {
        f.putAttribute("layer_names", layers.stream().map(Layer::name).toArray(String[]::new));
        f.putAttribute("backend", "tensorflow");
        f.putAttribute("keras_version", kerasVersion);
        for (Layer layer : layers) {
          List<Variable> ordered = kerasWeightOrder(layer.variables());
          WritableGroup g = f.putGroup(layer.name());
          g.putAttribute("weight_names", ordered.stream().map(v -> v.name() + ":0").toArray(String[]::new));
          WritableGroup inner = g.putGroup(layer.name());
          for (Variable v : ordered) {
            Tensor t = state.get(v.name());
            if (t == null) throw new IllegalArgumentException("no value for variable " + v.name());
            if (!t.shape().equals(v.shape())) {
              throw new IllegalArgumentException(v.name() + " has shape " + t.shape() + ", the model needs " + v.shape());
            }
            String leaf = v.name().substring(v.name().lastIndexOf('/') + 1) + ":0";
            boolean int64 = layer.className().equals("Normalization") && leaf.equals("count:0");
            inner.putDataset(leaf, int64 ? (Object) Math.round(t.getDouble(0)) : nested(t));
          }
        }
      }
      byte[] bytes = Files.readAllBytes(tmp);
      AtomicFiles.write(target, out -> out.write(bytes));
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Keras's {@code layer.weights} order for loading: trainable weights first, then the rest, each in order. */
  static List<Variable> kerasWeightOrder(List<Variable> vars) {
    List<Variable> out = new ArrayList<>();
    for (Variable v : vars) if (v.trainable()) out.add(v);
    for (Variable v : vars) if (!v.trainable()) out.add(v);
    return out;
  }

  /** A float32 tensor as the nested Java array jhdf writes with the tensor's dimensions (a Float for a scalar). */
  static Object nested(Tensor t) {
    if (t.dtype() != DType.F32) throw new IllegalArgumentException("expected F32, got " + t.dtype());
    int[] dims = t.shape().dims();
    if (dims.length == 0) return (float) t.getDouble(0);
    Object arr = Array.newInstance(float.class, dims);
    int[] idx = new int[dims.length];
    for (int i = 0; i < t.size(); i++) {
      Object row = arr;
      for (int d = 0; d < dims.length - 1; d++) row = Array.get(row, idx[d]);
      ((float[]) row)[idx[dims.length - 1]] = (float) t.getDouble(i);
      for (int d = dims.length - 1; d >= 0 && ++idx[d] == dims[d]; d--) idx[d] = 0;
    }
    return arr;
  }
}
