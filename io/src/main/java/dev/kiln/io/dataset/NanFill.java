package dev.kiln.io.dataset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The value a dataset's missing features were filled with, as the folder records it: {@code conversion.json} from
 * {@code kiln convert}, or {@code synthetic.json} from {@code kiln synth}. A model trained on the folder must see the
 * same value where a live row has NaN.
 */
public final class NanFill {
  /** The file {@code kiln convert} writes into the dataset folder. */
  public static final String CONVERSION = "conversion.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private NanFill() {}

  /** The recorded fill value, or null for a folder that records none (made before the record existed). */
  public static Float recorded(Path data) throws IOException {
    for (String name : new String[] {CONVERSION, "synthetic.json"}) {
      Path f = data.resolve(name);
      if (!Files.isRegularFile(f)) continue;
      JsonNode v = JSON.readTree(f.toFile()).path("nan_fill");
      if (!v.isNumber() || !Float.isFinite(v.floatValue())) {
        throw new IOException(f + ": nan_fill is " + v + ", not a finite number");
      }
      return v.floatValue();
    }
    return null;
  }

  /** Writes {@code conversion.json}: the source file's name and the fill value. */
  static void writeConversion(Path file, String source, float nanFill) throws IOException {
    JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(),
        java.util.Map.of("source", source, "nan_fill", nanFill));
  }
}
