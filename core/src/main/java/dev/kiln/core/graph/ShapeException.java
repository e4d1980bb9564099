package dev.kiln.core.graph;

import dev.kiln.core.TensorType;
import java.util.List;

/** A graph op was given operands or attributes whose shapes or types do not fit; the message names all three. */
public final class ShapeException extends IllegalArgumentException {
  public ShapeException(String op, List<TensorType> inputs, String attributes, String why) {
    super(op + ": " + why + " (inputs " + inputs + (attributes.isEmpty() ? "" : ", " + attributes) + ")");
  }
}
