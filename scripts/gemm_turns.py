"""numpy's (OpenBLAS) single-thread GEMM and Kiln's, in alternating windows of the same run.

Usage: gemm_turns.py M K N ROUNDS SECONDS -- JAVA_COMMAND...
JAVA_COMMAND runs dev.kiln.bench.GemmTurns M K N. Each round times numpy for SECONDS, then Kiln for SECONDS; on a
shared VM whose speed moves by tens of percent for seconds at a time, turns this short put both engines in the same
spells. Prints one line: numpy's median GFLOP/s, Kiln's median, then each engine's rounds, comma-separated.
"""
import statistics
import subprocess
import sys
import time

import numpy as np


def numpy_window(a, b, seconds):
    count, t0 = 0, time.perf_counter()
    while True:
        a @ b
        count += 1
        if time.perf_counter() - t0 >= seconds:
            break
    return 2.0 * a.shape[0] * b.shape[1] * a.shape[1] * count / (time.perf_counter() - t0) / 1e9


def main():
    if "--" not in sys.argv or sys.argv.index("--") != 6:
        sys.exit("usage: gemm_turns.py M K N ROUNDS SECONDS -- JAVA_COMMAND...")
    m, k, n, rounds = (int(x) for x in sys.argv[1:5])
    seconds = float(sys.argv[5])
    java = sys.argv[7:]
    a = np.random.rand(m, k).astype(np.float32)
    b = np.random.rand(k, n).astype(np.float32)
    kiln = subprocess.Popen(java, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = kiln.stdout.readline().strip()
    if line != "ready":
        sys.exit("GemmTurns did not start (said %r)" % line)
    numpy_window(a, b, 2.0)  # warm-up
    nps, kilns = [], []
    for _ in range(rounds):
        nps.append(numpy_window(a, b, seconds))
        kiln.stdin.write("%g\n" % seconds)
        kiln.stdin.flush()
        kilns.append(float(kiln.stdout.readline()))
    kiln.stdin.close()
    if kiln.wait() != 0:
        sys.exit("GemmTurns failed (exit %d)" % kiln.returncode)
    print("%.1f %.1f %s %s" % (statistics.median(nps), statistics.median(kilns),
                               ",".join("%.1f" % x for x in nps), ",".join("%.1f" % x for x in kilns)))


if __name__ == "__main__":
    main()
