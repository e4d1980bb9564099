#!/usr/bin/env bash
# Kiln beside JAX (XLA) and numpy on this CPU, in one run: the seed's training step with state and batch resident
# (samples/s) in JAX 0.10.2 on CPU (scripts/jax_seed_step.py: same model, initialisation style, noise, batch norm,
# metrics and Nesterov SGD), in Kiln's Java backend and in Kiln's pjrt:cpu, at each global batch; then single-thread
# GEMM GFLOP/s of Kiln's Java kernel (JMH) beside numpy's (OpenBLAS) on 1024^3 and the seed's im2col shape. The
# "kiln hlo, jax" row runs the StableHLO that pjrt:cpu compiled through JAX's own XLA (scripts/jax_run_stablehlo.py),
# which separates the plugin's XLA from Kiln's lowering.
# Every engine gets the same untimed warm-up steps first (150 below batch 4096, 20 from 4096, or --warmup N): the rows
# are steady-state speed, which is what a training run of thousands of steps sees. That excludes XLA's compile for JAX
# and pjrt:cpu, and the JVM's JIT compile for the Java backend, which goes on for several seconds (at batch 512 and 3
# warm-up steps the first timed steps still ran the Vector API's interpreted fallbacks; after 30 the Java step took
# 53-62 ms in three JVMs, after 150 48-52).
# --isa avx2 runs every engine with AVX2's instructions only, whatever this CPU has: the JVM with -XX:UseAVX=2, XLA
# (JAX and the pjrt:cpu plugin) with --xla_cpu_max_isa=AVX2, OpenBLAS with its Haswell kernels. On an AVX-512 machine
# that stands in for the project's AVX2-only machines (same code paths and register count; not the same cache sizes
# or clocks).
# Usage: scripts/compare-cpu.sh [--batches "512 4096"] [--steps N] [--warmup N] [--skip-gemm] [--isa avx2]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
batches="512 4096"
steps=""
warmup=""
gemm=1
isa=""
while [ $# -gt 0 ]; do
  case "$1" in
    --batches) batches="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --skip-gemm) gemm=0; shift ;;
    --isa) isa="$2"; shift 2 ;;
    *) echo "usage: $0 [--batches \"B ...\"] [--steps N] [--warmup N] [--skip-gemm] [--isa avx2]" >&2; exit 2 ;;
  esac
done
jmh_isa=()
case "$isa" in
  "") ;;
  avx2)
    export KILN_JAVA_OPTS="${KILN_JAVA_OPTS:-} -XX:UseAVX=2"
    export XLA_FLAGS="${XLA_FLAGS:-} --xla_cpu_max_isa=AVX2"
    export OPENBLAS_CORETYPE=Haswell
    jmh_isa=(-jvmArgsAppend -XX:UseAVX=2) ;;
  *) echo "$0: --isa takes avx2, not '$isa'" >&2; exit 2 ;;
esac
py="$("$root/scripts/jax-venv.sh")"
# The pjrt:cpu rows need the PJRT CPU plugin: install it into Kiln's cache once, as CI does.
if [ -z "${KILN_PJRT_PLUGIN:-}" ] && ! ls "${KILN_CACHE:-$HOME/.cache/kiln}"/pjrt/cpu/*.so >/dev/null 2>&1; then
  echo "installing the PJRT CPU plugin (./kiln plugin install cpu)" >&2
  "$root/kiln" plugin install cpu >&2
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if grep -q -w avx512f /proc/cpuinfo; then vec="AVX-512 (avx512f) and AVX2"
elif grep -q -w avx2 /proc/cpuinfo; then vec="AVX2, no AVX-512"
else vec="no AVX2"; fi
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores; vector extensions: $vec"
[ -n "$isa" ] && echo "instruction set limited to $isa in every engine (KILN_JAVA_OPTS=$KILN_JAVA_OPTS; XLA_FLAGS=$XLA_FLAGS; OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE)"
echo "steady state: every engine runs ${warmup:-150 (batch < 4096) or 20} untimed warm-up steps first"
printf '%-8s %-14s %12s %12s %10s\n' batch engine "ms/step" "samples/s" "vs JAX"
for b in $batches; do
  n="${steps:-$(( b >= 4096 ? 12 : 40 ))}"
  r=$(( n < 4 ? n : 4 ))
  w="${warmup:-$(( b >= 4096 ? 20 : 150 ))}"
  JAX_PLATFORMS=cpu "$py" "$root/scripts/jax_seed_step.py" bench --batch "$b" --steps "$n" --repeats "$r" --warmup "$w" \
    2>/dev/null | tail -1 > "$tmp/jax.json"
  jax_sps=$("$py" -c 'import json,sys; print("%.1f" % json.load(open(sys.argv[1]))["samples_per_s"])' "$tmp/jax.json")
  jax_ms=$("$py" -c 'import json,sys; print("%.2f" % json.load(open(sys.argv[1]))["ms_per_step"])' "$tmp/jax.json")
  printf '%-8s %-14s %12s %12s %10s\n' "$b" jax "$jax_ms" "$jax_sps" 1.000
  for backend in java pjrt:cpu; do
    rm -rf "$tmp/hlo"
    KILN_DUMP_STABLEHLO="$tmp/hlo" "$root/kiln" bench --backend "$backend" --batch "$b" --steps "$n" --repeats "$r" \
      --warmup "$w" --modes resident > "$tmp/kiln.txt" 2>&1 || { cat "$tmp/kiln.txt" >&2; exit 1; }
    ms=$(awk '/^resident batch/ {print $3}' "$tmp/kiln.txt")
    sps=$(awk '/^resident batch/ {print $4}' "$tmp/kiln.txt")
    printf '%-8s %-14s %12s %12s %10s\n' "$b" "kiln $backend" "$ms" "$sps" "$(awk -v a="$sps" -v j="$jax_sps" 'BEGIN {printf "%.3f", a / j}')"
  done
  # The same StableHLO pjrt:cpu ran (Kiln's lowering), compiled and run by JAX's own XLA: against the pjrt:cpu row
  # this is the plugin's XLA version and options; against the jax row, Kiln's lowering against JAX's.
  step_hlo="$(ls -S "$tmp"/hlo/*.mlir | head -1)"  # the training step: the largest program compiled
  "$py" "$root/scripts/jax_run_stablehlo.py" "$step_hlo" --steps "$n" --repeats "$r" --warmup "$w" \
    2>/dev/null | tail -1 > "$tmp/xla.json"
  ms=$("$py" -c 'import json,sys; print("%.2f" % json.load(open(sys.argv[1]))["ms_per_step"])' "$tmp/xla.json")
  sps=$(awk -v ms="$ms" -v b="$b" 'BEGIN {printf "%.0f", b / (ms / 1e3)}')
  printf '%-8s %-14s %12s %12s %10s\n' "$b" "kiln hlo, jax" "$ms" "$sps" "$(awk -v a="$sps" -v j="$jax_sps" 'BEGIN {printf "%.3f", a / j}')"
done
echo "(kiln hlo, jax: the StableHLO kiln pjrt:cpu ran, compiled and run by JAX $("$py" -c 'import jax; print(jax.__version__)')'s XLA)"
if [ "$gemm" = 1 ]; then
  # numpy and Kiln's JMH run by turns, three rounds each, and each reports a mean over ~3 s after ~2 s of warm-up:
  # on a shared VM the speed moves by tens of percent for seconds at a time, and turns put both in the same spells.
  # The rows are the medians of the rounds; the rounds themselves follow on each row.
  printf '\n%-16s %-14s %10s %10s   %s\n' gemm engine "GFLOP/s" "vs numpy" "rounds"
  for mnk in 1024x1024x1024 81920x650x64; do  # M x K x N, as GemmBenchmark's mnk
    m=${mnk%%x*}; rest=${mnk#*x}; k=${rest%%x*}; n=${rest#*x}
    nps=(); kilns=()
    for round in 1 2 3; do
      nps+=("$(OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 "$py" - "$m" "$k" "$n" <<'PY'
import sys, time
import numpy as np
m, k, n = map(int, sys.argv[1:4])
a = np.random.rand(m, k).astype(np.float32)
b = np.random.rand(k, n).astype(np.float32)
def run(seconds):
    count, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        a @ b
        count += 1
    return (time.perf_counter() - t0) / count
run(2.0)
print("%.1f" % (2.0 * m * n * k / run(3.0) / 1e9))
PY
)")
      "$root/kiln" jmh GemmBenchmark -p "mnk=$mnk" -p threads=1 -f 1 -wi 2 -i 3 -w 1s -r 1s -tu ms ${jmh_isa[@]+"${jmh_isa[@]}"} \
        > "$tmp/jmh.txt" 2>&1 \
        || { tail -5 "$tmp/jmh.txt" >&2; exit 1; }
      # "GemmBenchmark.sgemm MNK THREADS avgt [CNT] SCORE [± ERR] ms/op": the score follows the mode and the count.
      ms=$(awk '/^GemmBenchmark.sgemm/ {for (i = 1; i <= NF; i++) if ($i == "avgt") {
        s = $(i + 1); if ($(i + 2) != "ms/op" && $(i + 2) != "±") s = $(i + 2); print s}}' "$tmp/jmh.txt" | tail -1)
      kilns+=("$(awk -v m="$m" -v n="$n" -v k="$k" -v ms="$ms" 'BEGIN {printf "%.1f", 2 * m * n * k / (ms / 1e3) / 1e9}')")
    done
    np=$(printf '%s\n' "${nps[@]}" | sort -g | sed -n 2p)
    kiln=$(printf '%s\n' "${kilns[@]}" | sort -g | sed -n 2p)
    printf '%-16s %-14s %10s %10s   %s\n' "$mnk" numpy "$np" 1.000 "${nps[*]}"
    printf '%-16s %-14s %10s %10s   %s\n' "$mnk" "kiln (1 thr)" "$kiln" \
      "$(awk -v a="$kiln" -v b="$np" 'BEGIN {printf "%.3f", a / b}')" "${kilns[*]}"
  done
fi
