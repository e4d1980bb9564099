package dev.kiln.core.cpu;

import dev.kiln.core.Flags;
import static java.lang.constant.ConstantDescs.CD_Object;
import static java.lang.constant.ConstantDescs.CD_boolean;
import static java.lang.constant.ConstantDescs.CD_double;
import static java.lang.constant.ConstantDescs.CD_float;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_void;

import dev.kiln.core.DType;
import dev.kiln.core.graph.Value;
import dev.kiln.core.op.Binary;
import dev.kiln.core.op.Compare;
import dev.kiln.core.op.Select;
import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.AccessFlag;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;

/**
 * A fused region compiled to one loop over whole vectors, for regions of float32 arithmetic, comparisons and selects
 * (the seed's normalizations, batch-norm and ReLU steps and their gradients). The chunk interpreter runs each member
 * over a whole chunk in turn, through cache-resident buffers; this loop keeps every intermediate in a vector register
 * and reads each outside operand once per element, as a compiled fusion does. It is generated as bytecode (the
 * ClassFile API), one hidden class per region, calling the Vector API with constant species and operators so that
 * C2 compiles each call to instructions.
 *
 * <p>Each member computes the same IEEE float operation on each lane as its primitive's own kernel
 * ({@link FloatKernels}, {@link MaskKernels}), so results are bit-identical to the interpreter's. The loop covers a
 * chunk's whole vectors; the interpreter takes the remaining elements.
 */
final class RegionLoop {
  /** Vector lanes per step: the preferred float species', the same as the kernels'. */
  static final int LANES = FloatVector.SPECIES_PREFERRED.length();

  /** Double lanes per float vector's half: a float vector's sum adds into two double vectors. */
  private static final int DOUBLE_LANES = DoubleVector.SPECIES_PREFERRED.length();

  /**
   * One array the loop reads or writes: operand {@code operand} of member {@code member} read from outside the region,
   * the member's values written out ({@link #OUT}: a result, or values the interpreter sums), or the float64 sums the
   * member adds into ({@link #SUM}; its offset is the chunk's first element's index in them); {@code pred} for a
   * mask's boolean array.
   */
  record Param(int member, int operand, boolean pred) {
    static final int OUT = -1, SUM = -2;

    boolean output() {
      return operand == OUT;
    }

    boolean sum() {
      return operand == SUM;
    }
  }

  private static final ClassDesc FV = ClassDesc.of("jdk.incubator.vector.FloatVector");
  private static final ClassDesc VM = ClassDesc.of("jdk.incubator.vector.VectorMask");
  private static final ClassDesc VEC = ClassDesc.of("jdk.incubator.vector.Vector");
  private static final ClassDesc SPECIES = ClassDesc.of("jdk.incubator.vector.VectorSpecies");
  private static final ClassDesc OPS = ClassDesc.of("jdk.incubator.vector.VectorOperators");
  private static final ClassDesc ASSOCIATIVE = ClassDesc.of("jdk.incubator.vector.VectorOperators$Associative");
  private static final ClassDesc BINARY = ClassDesc.of("jdk.incubator.vector.VectorOperators$Binary");
  private static final ClassDesc COMPARISON = ClassDesc.of("jdk.incubator.vector.VectorOperators$Comparison");
  private static final ClassDesc DV = ClassDesc.of("jdk.incubator.vector.DoubleVector");
  private static final ClassDesc CONVERSION = ClassDesc.of("jdk.incubator.vector.VectorOperators$Conversion");
  private static final ClassDesc FLOATS = CD_float.arrayType(), BOOLS = CD_boolean.arrayType();
  private static final ClassDesc DOUBLES = CD_double.arrayType();
  private static final MethodTypeDesc BODY = MethodTypeDesc.of(CD_void, CD_Object.arrayType(), CD_int.arrayType(),
      CD_int);

  /**
   * Whether a new loop waits for its warm-up before regions use it (see {@link #ready}); tests of the loops turn this
   * off to run them at once.
   */
  static volatile boolean warmUp = Flags.FUSION_LOOP_WARMUP.enabled();
  /** Runs the loops' warm-ups, one at a time, beside the work. */
  private static final ExecutorService WARM_UP = Executors.newSingleThreadExecutor(task -> {
    Thread t = new Thread(task, "kiln-region-warm-up");
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    return t;
  });
  /**
   * Nanoseconds per element and member that separate C2's code for a loop (well under) from C1's and the
   * interpreter's (well over), so a loop is ready once it runs faster than this (measurements: docs/benchmarks.md).
   */
  private static final double COMPILED_NANOS = 1.0;

  final List<Param> params;
  private final boolean[] sums;
  private final int[] period;
  private final MethodHandle body;
  private volatile boolean ready;

  private RegionLoop(List<Param> params, boolean[] sums, int[] period, MethodHandle body) {
    this.params = params;
    this.sums = sums;
    this.period = period;
    this.body = body;
  }

  /**
   * Whether regions run this loop yet. A new loop's class starts in the bytecode interpreter and then C1, where each
   * Vector API call runs its slow Java fallback, and C2 compiles it only after thousands of calls; so regions use the
   * chunk interpreter (whose kernels were compiled long before) until a warm-up thread, calling the loop on a few
   * vectors of scratch data, sees it run at compiled speed (why: docs/benchmarks.md).
   */
  boolean ready() {
    return ready;
  }

  /**
   * Set once a warm-up gave up: this JVM does not compile the loops (-Xint, or C1 alone), so later loops are not warmed
   * either (each would keep the warm-up thread busy for its 20 s) and their regions keep the chunk interpreter.
   */
  private static volatile boolean noCompiledSpeed;

  /** Calls the loop on scratch arrays until it runs at compiled speed (then it is ready), or gives up after 20 s. */
  private void warmUp() {
    int members = sums.length;
    if (noCompiledSpeed) return;
    int n = 4 * LANES;
    Object[] arrays = new Object[params.size()];
    int[] offsets = new int[params.size()];
    for (int j = 0; j < arrays.length; j++) {
      Param p = params.get(j);
      arrays[j] = p.sum() ? new double[period[p.member()]] : p.pred() ? new boolean[n] : new float[n];
      // A sum starts a vector before its period's end, so its index wraps in every call: C2 then compiles the wrap
      // as a branch, not as a trap that deoptimizes the loop when a real chunk first wraps.
      if (p.sum()) offsets[j] = period[p.member()] - LANES;
    }
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (System.nanoTime() < deadline) {
      long t0 = System.nanoTime();
      for (int i = 0; i < 1000; i++) run(arrays, offsets, n);
      double perElement = (System.nanoTime() - t0) / (1000.0 * n * members);
      if (perElement < COMPILED_NANOS) {
        ready = true;
        return;
      }
    }
    noCompiledSpeed = true;
  }

  /** Whether the loop adds member k's values into its sum (the interpreter then sums only the chunk's tail). */
  boolean sums(int k) {
    return sums[k];
  }

  /**
   * Runs the loop over {@code n} elements (a multiple of {@link #LANES}): param j's element i is
   * {@code arrays[j][offsets[j] + i]}.
   */
  void run(Object[] arrays, int[] offsets, int n) {
    try {
      body.invokeExact(arrays, offsets, n);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** The region's loop, or null when one of its members is not float32 arithmetic, a comparison or a select. */
  static RegionLoop compile(Fusion.Region r, List<Value> nodes) {
    int m = r.members().length;
    for (int k = 0; k < m; k++) {
      if (!supported(nodes.get(r.members()[k]))) return null;
    }
    int[] period = new int[m];
    boolean[] sums = loopSums(r, nodes, period);
    Params p = Params.of(r, nodes, sums);
    Emitter emitter = new Emitter(r, nodes, p.list(), p.paramOf(), p.outParam(), p.sumParam(), period);
    byte[] bytes = ClassFile.of().build(ClassDesc.of(RegionLoop.class.getPackageName() + ".RegionLoopBody"),
        cb -> cb.withFlags(AccessFlag.FINAL, AccessFlag.SYNTHETIC).withMethodBody("run", BODY, ClassFile.ACC_STATIC,
            emitter::emit));
    RegionLoop loop = new RegionLoop(List.copyOf(p.list()), sums, period, define(bytes));
    if (warmUp) {
      WARM_UP.execute(loop::warmUp);
    } else {
      loop.ready = true;
    }
    return loop;
  }

  /**
   * Which members' sums the loop takes, filling {@code period} with each sunk member's sum size. A member's sum is
   * taken in the loop where every vector falls within one period of the sum: the period and the chunks' starts
   * (multiples of the last dimension, see Fusion.run) are whole vectors. Each sum element then takes its values in
   * the same order as the interpreter's float64 accumulation, so the sums are the same.
   */
  private static boolean[] loopSums(Fusion.Region r, List<Value> nodes, int[] period) {
    Value last = nodes.get(r.position());
    boolean aligned = last.dim(last.rank() - 1) % LANES == 0 && 2 * DOUBLE_LANES == LANES;
    boolean[] sums = new boolean[r.members().length];
    for (int k = 0; k < sums.length; k++) {
      if (r.sink()[k] < 0) continue;
      period[k] = nodes.get(r.sink()[k]).shape().size();
      sums[k] = aligned && period[k] % LANES == 0 && nodes.get(r.members()[k]).dtype() == DType.F32;
    }
    return sums;
  }

  /**
   * The loop's params in order, and where each member's are: {@code paramOf[k][q]} for operand q read from outside
   * the region (−1 for one from a member), {@code outParam[k]} and {@code sumParam[k]} (−1 for none).
   */
  private record Params(List<Param> list, int[][] paramOf, int[] outParam, int[] sumParam) {
    static Params of(Fusion.Region r, List<Value> nodes, boolean[] sums) {
      int m = r.members().length;
      Params p = new Params(new ArrayList<>(), new int[m][], new int[m], new int[m]);
      for (int k = 0; k < m; k++) {
        Value v = nodes.get(r.members()[k]);
        Fusion.Source[] src = r.sources()[k];
        p.paramOf[k] = new int[src.length];
        for (int q = 0; q < src.length; q++) {
          p.paramOf[k][q] = src[q].member() < 0 ? p.add(new Param(k, q, v.input(q).dtype() == DType.PRED)) : -1;
        }
        boolean out = r.root()[k] || (r.sink()[k] >= 0 && !sums[k]);
        p.outParam[k] = out ? p.add(new Param(k, Param.OUT, v.dtype() == DType.PRED)) : -1;
        p.sumParam[k] = sums[k] ? p.add(new Param(k, Param.SUM, false)) : -1;
      }
      return p;
    }

    /** Appends a param; returns its index. */
    private int add(Param param) {
      list.add(param);
      return list.size() - 1;
    }
  }

  /** Defines the loop's hidden class and returns its static {@code run}. */
  private static MethodHandle define(byte[] bytes) {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup().defineHiddenClass(bytes, true);
      return lookup.findStatic(lookup.lookupClass(), "run",
          MethodType.methodType(void.class, Object[].class, int[].class, int.class));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot define a region's loop", e);
    }
  }

  /** Float32 add, subtract, multiply, divide, max and min; float32 comparisons; selects of float32. */
  static boolean supported(Value v) {
    return switch (v.op()) {
      case Binary b -> v.dtype() == DType.F32 && v.input(0).dtype() == DType.F32 && switch (b.kind()) {
        case ADD, SUBTRACT, MULTIPLY, DIVIDE, MAXIMUM, MINIMUM -> true;
        default -> false;
      };
      case Compare c -> v.input(0).dtype() == DType.F32;
      case Select s -> v.dtype() == DType.F32;
      default -> false;
    };
  }

  /** Writes the loop's bytecode: locals 0-2 are the arguments, 3 the index, then each param's array and offset. */
  private static final class Emitter {
    private CodeBuilder code;
    private final Fusion.Region r;
    private final List<Value> nodes;
    private final List<Param> params;
    private final int[][] paramOf;
    private final int[] outParam, sumParam, period;
    private static final int INDEX = 3;

    Emitter(Fusion.Region r, List<Value> nodes, List<Param> params, int[][] paramOf, int[] outParam, int[] sumParam,
        int[] period) {
      this.r = r;
      this.nodes = nodes;
      this.params = params;
      this.paramOf = paramOf;
      this.outParam = outParam;
      this.sumParam = sumParam;
      this.period = period;
    }

    private int arrayLocal(int j) {
      return 4 + 2 * j;
    }

    private int offsetLocal(int j) {
      return 5 + 2 * j;
    }

    /** The local holding member k's vector (or mask) in the loop. */
    private int valueLocal(int k) {
      return 4 + 2 * params.size() + k;
    }

    private ClassDesc arrayType(Param p) {
      return p.sum() ? DOUBLES : p.pred() ? BOOLS : FLOATS;
    }

    void emit(CodeBuilder code) {
      this.code = code;
      for (int j = 0; j < params.size(); j++) {
        Param p = params.get(j);
        code.aload(0).loadConstant(j).aaload().checkcast(arrayType(p)).astore(arrayLocal(j));
        code.aload(1).loadConstant(j).iaload().istore(offsetLocal(j));
      }
      code.loadConstant(0).istore(INDEX);
      Label head = code.newLabel(), end = code.newLabel();
      code.labelBinding(head);
      code.iload(INDEX).iload(2).if_icmpge(end);
      for (int k = 0; k < r.members().length; k++) member(k);
      code.iinc(INDEX, LANES).goto_(head);
      code.labelBinding(end);
      code.return_();
    }

    /** Computes member k into its local, and writes it out where it is a param. */
    private void member(int k) {
      Value v = nodes.get(r.members()[k]);
      switch (v.op()) {
        case Binary b -> {
          switch (b.kind()) {
            case MAXIMUM, MINIMUM -> {
              operand(k, 0);
              code.getstatic(OPS, b.kind() == Binary.Kind.MAXIMUM ? "MAX" : "MIN", ASSOCIATIVE);
              operand(k, 1);
              code.invokevirtual(FV, "lanewise", MethodTypeDesc.of(FV, BINARY, VEC));
            }
            default -> {
              operand(k, 0);
              operand(k, 1);
              String name = switch (b.kind()) {
                case ADD -> "add";
                case SUBTRACT -> "sub";
                case MULTIPLY -> "mul";
                default -> "div";
              };
              code.invokevirtual(FV, name, MethodTypeDesc.of(FV, VEC));
            }
          }
        }
        case Compare c -> {
          operand(k, 0);
          code.getstatic(OPS, c.direction().name(), COMPARISON);
          operand(k, 1);
          code.invokevirtual(FV, "compare", MethodTypeDesc.of(VM, COMPARISON, VEC));
        }
        case Select s -> {
          // select(p, a, b) = b.blend(a, p): a where p is set.
          operand(k, 2);
          operand(k, 1);
          operand(k, 0);
          code.invokevirtual(FV, "blend", MethodTypeDesc.of(FV, VEC, VM));
        }
        default -> throw new IllegalStateException("unsupported member " + v.op().name());
      }
      code.astore(valueLocal(k));
      int j = outParam[k];
      if (j >= 0) {
        code.aload(valueLocal(k)).aload(arrayLocal(j)).iload(offsetLocal(j)).iload(INDEX).iadd();
        if (params.get(j).pred()) {
          code.invokevirtual(VM, "intoArray", MethodTypeDesc.of(CD_void, BOOLS, CD_int));
        } else {
          code.invokevirtual(FV, "intoArray", MethodTypeDesc.of(CD_void, FLOATS, CD_int));
        }
      }
      if (sumParam[k] >= 0) sum(k, sumParam[k]);
    }

    /**
     * Adds member k's vector, widened to float64 half by half, into its sums at the running index (param j's offset
     * local), which then moves on by a vector and wraps at the period.
     */
    private void sum(int k, int j) {
      for (int part = 0; part < 2; part++) {
        code.getstatic(DV, "SPECIES_PREFERRED", SPECIES).aload(arrayLocal(j)).iload(offsetLocal(j));
        if (part == 1) code.loadConstant(DOUBLE_LANES).iadd();
        code.invokestatic(DV, "fromArray", MethodTypeDesc.of(DV, SPECIES, DOUBLES, CD_int));
        code.aload(valueLocal(k)).getstatic(OPS, "F2D", CONVERSION).getstatic(DV, "SPECIES_PREFERRED", SPECIES)
            .loadConstant(part).invokevirtual(FV, "convertShape", MethodTypeDesc.of(VEC, CONVERSION, SPECIES, CD_int));
        code.invokevirtual(DV, "add", MethodTypeDesc.of(DV, VEC));
        code.aload(arrayLocal(j)).iload(offsetLocal(j));
        if (part == 1) code.loadConstant(DOUBLE_LANES).iadd();
        code.invokevirtual(DV, "intoArray", MethodTypeDesc.of(CD_void, DOUBLES, CD_int));
      }
      Label inside = code.newLabel();
      code.iinc(offsetLocal(j), LANES).iload(offsetLocal(j)).loadConstant(period[k]).if_icmplt(inside);
      code.loadConstant(0).istore(offsetLocal(j));
      code.labelBinding(inside);
    }

    /** Pushes operand q of member k: a region member's local, or a vector (mask) loaded from its param. */
    private void operand(int k, int q) {
      Fusion.Source s = r.sources()[k][q];
      if (s.member() >= 0) {
        code.aload(valueLocal(s.member()));
        return;
      }
      int j = paramOf[k][q];
      code.getstatic(FV, "SPECIES_PREFERRED", SPECIES).aload(arrayLocal(j)).iload(offsetLocal(j)).iload(INDEX).iadd();
      if (params.get(j).pred()) {
        code.invokestatic(VM, "fromArray", MethodTypeDesc.of(VM, SPECIES, BOOLS, CD_int));
      } else {
        code.invokestatic(FV, "fromArray", MethodTypeDesc.of(FV, SPECIES, FLOATS, CD_int));
      }
    }
  }
}
