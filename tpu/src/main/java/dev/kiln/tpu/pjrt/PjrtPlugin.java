package dev.kiln.tpu.pjrt;

import dev.kiln.tpu.pjrt.PjrtC;
import dev.kiln.tpu.pjrt.PjrtC.PJRT_Api;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * A loaded PJRT plugin: the shared library opened with dlopen, its {@code GetPjrtApi} table, initialized once.
 * Plugins stay loaded for the life of the process (they cannot be safely unloaded), so loading the same path
 * twice returns the same instance.
 */
public final class PjrtPlugin {
  private static final Map<Path, PjrtPlugin> LOADED = new ConcurrentHashMap<>();

  private final Path path;
  private final Pjrt pjrt;
  private final int major;
  private final int minor;
  private final Map<String, Object> attributes;

  private PjrtPlugin(Path path, PJRT_Api api) {
    this.path = path;
    this.pjrt = new Pjrt(api, path.getFileName().toString());
    this.major = api.pjrt_api_version().major_version();
    this.minor = api.pjrt_api_version().minor_version();
    try (PointerScope scope = new PointerScope()) {
      pjrt.call(PjrtC.KILN_SLOT_Plugin_Initialize, Pjrt.args(new PjrtC.PJRT_Plugin_Initialize_Args()),
          "Plugin_Initialize");
    }
    this.attributes = readAttributes();
  }

  /** Loads (once per process) and initializes the plugin at {@code path}. */
  public static PjrtPlugin load(Path path) {
    Path p = path.toAbsolutePath().normalize();
    if (!Files.isRegularFile(p)) {
      throw new PjrtException(5, "PJRT plugin not found at " + p);
    }
    return LOADED.computeIfAbsent(p, k -> {
      PJRT_Api api = PjrtC.kiln_load_plugin(k.toString());
      if (api == null || api.isNull()) {
        BytePointer err = PjrtC.kiln_dlerror();
        String why = err == null || err.isNull() ? "GetPjrtApi not exported or returned NULL" : err.getString();
        throw new PjrtException(5, "cannot load PJRT plugin " + k + ": " + why);
      }
      return new PjrtPlugin(k, api);
    });
  }

  public Path path() {
    return path;
  }

  public Pjrt pjrt() {
    return pjrt;
  }

  /** The PJRT C API version the plugin implements, e.g. "0.81". */
  public String apiVersion() {
    return major + "." + minor;
  }

  /** Size of the plugin's API table in bytes (header plus one pointer per function slot). */
  public long apiTableSize() {
    return pjrt.api().struct_size();
  }

  /** Plugin attributes (xla_version, stablehlo_current_version, ...): Long, Float, Boolean, String or long[]. */
  public Map<String, Object> attributes() {
    return attributes;
  }

  private Map<String, Object> readAttributes() {
    Map<String, Object> out = new LinkedHashMap<>();
    if (!PjrtC.kiln_has_slot(pjrt.api(), PjrtC.KILN_SLOT_Plugin_Attributes)) {
      return out;
    }
    try (PointerScope scope = new PointerScope()) {
      PjrtC.PJRT_Plugin_Attributes_Args a = Pjrt.args(new PjrtC.PJRT_Plugin_Attributes_Args());
      pjrt.call(PjrtC.KILN_SLOT_Plugin_Attributes, a, "Plugin_Attributes");
      PjrtC.PJRT_NamedValue nv = a.attributes();
      for (long i = 0; i < a.num_attributes(); i++) {
        PjrtC.PJRT_NamedValue v = new PjrtC.PJRT_NamedValue(nv).position(i);
        out.put(Pjrt.string(v.name(), v.name_size()), NamedValues.read(v));
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return "PJRT plugin " + path + " (API " + apiVersion() + ")";
  }

  /** Reading and writing PJRT_NamedValue's 8-byte union. */
  static final class NamedValues {
    private NamedValues() {}

    static Object read(PjrtC.PJRT_NamedValue v) {
      long bits = v.value();
      return switch (v.type()) {
        case 0 -> Pjrt.string(new BytePointer(new org.bytedeco.javacpp.Pointer() {{ address = bits; }}),
            v.value_size());
        case 1 -> bits;
        case 2 -> {
          long[] list = new long[(int) v.value_size()];
          new LongPointer(new org.bytedeco.javacpp.Pointer() {{ address = bits; }}).get(list);
          yield list;
        }
        case 3 -> Float.intBitsToFloat((int) bits);
        case 4 -> (bits & 0xFF) != 0;
        default -> "(type " + v.type() + ")";
      };
    }

    /** Fills {@code count} named values from a map (String, Long/Integer, long[], Float/Double, Boolean). */
    static PjrtC.PJRT_NamedValue write(Map<String, Object> options, List<Object> keepAlive) {
      int n = options.size();
      PjrtC.PJRT_NamedValue arr = new PjrtC.PJRT_NamedValue(Math.max(1, n));
      keepAlive.add(arr);
      org.bytedeco.javacpp.Pointer.memset(arr, 0, org.bytedeco.javacpp.Loader.sizeof(PjrtC.PJRT_NamedValue.class)
          * (long) Math.max(1, n));
      int i = 0;
      for (Map.Entry<String, Object> e : options.entrySet()) {
        PjrtC.PJRT_NamedValue v = new PjrtC.PJRT_NamedValue(arr).position(i++);
        v.struct_size(org.bytedeco.javacpp.Loader.sizeof(PjrtC.PJRT_NamedValue.class));
        BytePointer name = new BytePointer(e.getKey());
        keepAlive.add(name);
        v.name(name);
        v.name_size(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        Object o = e.getValue();
        if (o instanceof String s) {
          BytePointer sp = new BytePointer(s);
          keepAlive.add(sp);
          v.type(0).value(sp.address()).value_size(s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        } else if (o instanceof Long || o instanceof Integer) {
          v.type(1).value(((Number) o).longValue()).value_size(1);
        } else if (o instanceof long[] list) {
          LongPointer lp = new LongPointer(list);
          keepAlive.add(lp);
          v.type(2).value(lp.address()).value_size(list.length);
        } else if (o instanceof Float || o instanceof Double) {
          v.type(3).value(Float.floatToRawIntBits(((Number) o).floatValue()) & 0xFFFFFFFFL).value_size(1);
        } else if (o instanceof Boolean b) {
          v.type(4).value(b ? 1 : 0).value_size(1);
        } else {
          throw new IllegalArgumentException("option " + e.getKey() + ": unsupported value " + o);
        }
      }
      return arr;
    }

    static List<Object> keep() {
      return new ArrayList<>();
    }
  }
}
