package dev.kiln.core.cpu;

import dev.kiln.core.DType;
import dev.kiln.core.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Arrays that one Java-backend plan reuses from one run to the next. While a plan runs, its arena is the current
 * thread's; kernels take their result arrays from it with {@link #uninitialized} when they overwrite every element,
 * and the plan gives an array back once no live value holds it. In a training loop every step then reuses the
 * previous step's arrays instead of allocating (and having the JVM zero) fresh ones: at batch 512 allocating a
 * [512, 20, 64] activation costs more than an elementwise op over it.
 *
 * <p>Only arrays this arena handed out during the current run are ever given back, so arguments, constants and
 * anything a kernel allocated itself are never reused behind their owner's back; arrays that leave the run as
 * results are forgotten at its end. Outside a plan's run (a kernel called directly), arrays are plain new ones.
 */
public final class Arena {
  private static final ThreadLocal<Arena> CURRENT = new ThreadLocal<>();
  /**
   * For tests: inside a run every float array {@link #uninitialized} hands out is filled with NaN first, as a reused
   * array may hold anything, so a kernel that leaves an element unwritten fails its test instead of reading zeros.
   */
  static volatile boolean poison;

  private final Map<Long, ArrayDeque<Object>> free = new HashMap<>();
  private final Set<Object> issued = Collections.newSetFromMap(new IdentityHashMap<>());
  /** Arrays derived from a source array during this run, by source and then by what they are. */
  private final Map<Object, Map<String, Object>> derived = new IdentityHashMap<>();

  /**
   * An array for {@code n} elements of {@code dtype} (its Java type, as {@link Tensor#newArray}) whose contents are
   * undefined: the caller must write every element before anything reads it.
   */
  public static Object uninitialized(DType dtype, int n) {
    Arena a = CURRENT.get();
    return a == null ? Tensor.newArray(dtype, n) : a.take(dtype, n);
  }

  /** Gives back a kernel's temporary array from {@link #uninitialized} (a no-op outside a plan's run). */
  public static void scratchDone(Object array) {
    Arena a = CURRENT.get();
    if (a != null) a.giveBack(array);
  }

  /**
   * The array {@code make} derives from {@code source}, made once per run and shared by every kernel that asks for
   * the same {@code what} of the same source (the seed's two kernel gradients over the same input need its transposed
   * copy once). The caller must not give it back or change it. It is dropped when {@code source} goes back to the
   * arena, so a reused array never finds a stale derivative. Outside a run it is made on every call.
   */
  public static Object derived(Object source, String what, Supplier<Object> make) {
    Arena a = CURRENT.get();
    if (a == null) return make.get();
    synchronized (a) {
      Map<String, Object> bySource = a.derived.get(source);
      Object known = bySource == null ? null : bySource.get(what);
      if (known != null) return known;
    }
    Object made = make.get();
    synchronized (a) {
      a.derived.computeIfAbsent(source, k -> new HashMap<>()).put(what, made);
    }
    return made;
  }

  /** Makes this the current thread's arena for a run; returns the one to restore with {@link #exit}. */
  Arena enter() {
    Arena previous = CURRENT.get();
    CURRENT.set(this);
    return previous;
  }

  /** Ends a run: arrays still out (results, or values never released) are forgotten; {@code previous} is restored. */
  synchronized void exit(Arena previous) {
    List<Object> made = new ArrayList<>();
    for (Map<String, Object> bySource : derived.values()) made.addAll(bySource.values());
    derived.clear();
    for (Object d : made) giveBack(d);
    issued.clear();
    if (previous == null) CURRENT.remove();
    else CURRENT.set(previous);
  }

  /** Whether {@code array} was handed out during this run and not given back yet. */
  synchronized boolean owns(Object array) {
    return issued.contains(array);
  }

  /** Returns an array handed out during this run to the free lists; other arrays are ignored. */
  synchronized void giveBack(Object array) {
    if (!issued.remove(array)) return;
    free.computeIfAbsent(key(array), k -> new ArrayDeque<>()).push(array);
    Map<String, Object> stale = derived.remove(array);
    if (stale != null) for (Object d : stale.values()) giveBack(d);
  }

  private synchronized Object take(DType dtype, int n) {
    int kind = switch (dtype) {
      case F32 -> 0;
      case F64 -> 1;
      case S32, U32 -> 2;
      case PRED -> 3;
    };
    ArrayDeque<Object> q = free.get((long) kind << 32 | n);
    Object array = q == null || q.isEmpty() ? Tensor.newArray(dtype, n) : q.pop();
    issued.add(array);
    if (poison) {
      if (array instanceof float[] f) Arrays.fill(f, Float.NaN);
      if (array instanceof double[] d) Arrays.fill(d, Double.NaN);
    }
    return array;
  }

  /** The free-list key of an array: its Java element type (as {@link #take} numbers them) and length. */
  private static long key(Object array) {
    return switch (array) {
      case float[] a -> a.length;
      case double[] a -> 1L << 32 | a.length;
      case int[] a -> 2L << 32 | a.length;
      case boolean[] a -> 3L << 32 | a.length;
      default -> throw new IllegalArgumentException("not a tensor array: " + array.getClass());
    };
  }
}
