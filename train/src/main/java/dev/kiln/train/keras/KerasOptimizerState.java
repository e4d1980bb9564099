package dev.kiln.train.keras;

import dev.kiln.core.DType;
import dev.kiln.core.Shape;
import dev.kiln.core.Tensor;
import dev.kiln.ops.Model;
import dev.kiln.ops.Variable;
import dev.kiln.ops.train.Optimization;
import dev.kiln.ops.train.Optimizer;
import dev.kiln.ops.train.Sgd;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The optimizer's state in a Keras {@code model.save()} file ({@code optimizer_weights}): the iteration count and
 * each trainable variable's slots, named {@code <optimizer>/<slot>/<variable>:0}. tf_keras's {@code load_model}
 * restores it, and so does a run that starts from the file: the slots, and with the count the schedule's position and
 * Adam's bias correction, go on where Keras stopped. A model saved before its first step holds a count of zero and no
 * slots, and its optimizer starts afresh, as in Keras.
 *
 * @param iterations Keras's {@code optimizer.iterations}
 * @param slots each slot by its Keras name without {@code :0}, e.g. {@code Adam/m/dense/kernel}
 * @param unplaced the names that are neither the count nor a trainable variable's slot (a legacy optimizer's
 *     {@code Adam/iter:0}, say), left unread: the compile settings refuse such an optimizer first, by path
 */
public record KerasOptimizerState(long iterations, Map<String, Tensor> slots, List<String> unplaced) {
  /** A file without optimizer state ({@code include_optimizer=False}, or never compiled). */
  public static final KerasOptimizerState NONE = new KerasOptimizerState(0, Map.of(), List.of());

  private static final String GROUP = "optimizer_weights";

  /** Whether the optimizer starts afresh: no step taken and no slot saved. */
  public boolean fresh() {
    return iterations == 0 && slots.isEmpty() && unplaced.isEmpty();
  }

  /**
   * Reads {@code optimizer_weights} in the order of its {@code weight_names}; a slot of a trainable variable of
   * {@code model} must have its shape, checked before the slot's data is read.
   */
  static KerasOptimizerState read(HdfFile h5, Model model, Path file) throws IOException {
    if (!(h5.getChild(GROUP) instanceof Group g)) return NONE;
    Attribute a = g.getAttribute("weight_names");
    if (a == null || !(a.getData() instanceof String[] names)) {
      throw new IOException(file + ": " + GROUP + " has no weight_names attribute listing its weights");
    }
    Map<String, Variable> trainable = new LinkedHashMap<>();
    for (Variable v : model.variables()) if (v.trainable()) trainable.put(v.name(), v);
    long iterations = 0;
    Map<String, Tensor> slots = new LinkedHashMap<>();
    List<String> unplaced = new ArrayList<>();
    for (String n : names) {
      String key = n.endsWith(":0") ? n.substring(0, n.length() - 2) : n;
      if (key.equals("iteration")) {
        iterations = iterations(h5, GROUP + "/" + n, file);
        continue;
      }
      String[] parts = key.split("/", 3);
      Variable v = parts.length == 3 ? trainable.get(parts[2]) : null;
      if (v == null) unplaced.add(n);
      else slots.put(key, KerasSavedModel.tensor(h5, GROUP + "/" + n, v, file));
    }
    return new KerasOptimizerState(iterations, slots, List.copyOf(unplaced));
  }

  private static long iterations(HdfFile h5, String path, Path file) throws IOException {
    Node n = h5.getByPath(path);
    long count = switch (n instanceof Dataset d ? d.getData() : null) {
      case Long l -> l;
      case Integer i -> i;
      case long[] l when l.length == 1 -> l[0];
      case null, default -> throw new IOException(file + ": " + path + " is not an integer count");
    };
    if (count < 0 || count > Integer.MAX_VALUE) {
      throw new IOException(file + ": " + path + " is " + count + "; Kiln's step counter holds 0 to "
          + Integer.MAX_VALUE);
    }
    return count;
  }

  /**
   * The state under Kiln's names for {@code opt} on {@code variables}: each slot Keras keeps
   * ({@code optimizer/<variable>/<slot>}) and the count ({@link Optimization#ITERATIONS}); empty when fresh. A slot
   * {@code opt} keeps that the file lacks, or one the file holds that {@code opt} does not keep, is refused.
   */
  public Map<String, Tensor> forKiln(Optimization opt, List<Variable> variables) {
    if (fresh()) return Map.of();
    if (!unplaced.isEmpty()) {
      throw refused("holds " + unplaced.getFirst() + ", which is not <optimizer>/<slot>/<variable>:0 for a trainable "
          + "variable of the model");
    }
    if (!opt.counter()) throw new IllegalArgumentException(GROUP + ": this run's optimizer keeps no step count");
    String prefix = slots.isEmpty() ? kerasName(opt.rule()) : slots.keySet().iterator().next().split("/", 2)[0];
    Map<String, Tensor> out = new LinkedHashMap<>();
    Set<String> expected = new LinkedHashSet<>();
    for (String slot : opt.rule().slots()) {
      String keras = kerasSlot(opt.rule(), slot);
      if (keras == null) continue;
      for (Variable v : variables) {
        if (!v.trainable()) continue;
        String key = prefix + "/" + keras + "/" + v.name();
        expected.add(key);
        Tensor t = slots.get(key);
        if (t == null) throw refused("has no " + key + ":0, which " + kerasName(opt.rule()) + " keeps");
        out.put(Optimizer.slot(v.name(), slot), t);
      }
    }
    for (String key : slots.keySet()) {
      if (!expected.contains(key)) {
        throw refused("holds " + key + ":0, which " + kerasName(opt.rule()) + " with these settings does not keep");
      }
    }
    out.put(Optimization.ITERATIONS, Tensor.wrap(DType.U32, Shape.scalar(), new int[] {(int) iterations}));
    return out;
  }

  private static IllegalArgumentException refused(String what) {
    return new IllegalArgumentException(GROUP + " " + what + "; save the model with include_optimizer=False to start "
        + "the optimizer afresh");
  }

  /** Keras's name for Kiln's slot, or null where Keras keeps none (SGD without momentum). */
  private static String kerasSlot(Optimizer rule, String slot) {
    if (rule instanceof Sgd s && slot.equals("momentum")) return s.momentum() > 0 ? "m" : null;
    return slot;
  }

  private static String kerasName(Optimizer rule) {
    return switch (rule.kind()) {
      case "adam" -> "Adam";
      case "adamw" -> "AdamW";
      case "rmsprop" -> "RMSprop";
      default -> "SGD";
    };
  }
}
