#!/usr/bin/env bash
# Kiln beside JAX (XLA) and numpy on this CPU, in one run: the seed's training step with state and batch resident
# (samples/s) in JAX 0.10.2 on CPU (scripts/jax_seed_step.py: same model, initialisation style, noise, batch norm,
# metrics and Nesterov SGD), in Kiln's Java backend and in Kiln's pjrt:cpu, at each global batch; then single-thread
# GEMM GFLOP/s of Kiln's Java kernel beside numpy's (OpenBLAS) on 1024^3 and the seed's im2col shape. The
# "kiln hlo, jax" row runs the StableHLO that pjrt:cpu compiled through JAX's own XLA (scripts/jax_run_stablehlo.py),
# which separates the plugin's XLA from Kiln's lowering.
# Every engine gets the same untimed warm-up steps first (150 below batch 4096, 20 from 4096, or --warmup N): the rows
# are steady-state speed, which is what a training run of thousands of steps sees. That excludes XLA's compile for JAX
# and pjrt:cpu, and the JVM's JIT compile for the Java backend, which goes on for several seconds (with too few
# warm-up steps the first timed steps still run the Vector API's interpreted fallbacks; docs/benchmarks.md).
# --isa avx2 runs every engine with AVX2's instructions only, whatever this CPU has: the JVM with -XX:UseAVX=2, XLA
# (JAX and the pjrt:cpu plugin) with --xla_cpu_max_isa=AVX2, OpenBLAS with its Haswell kernels, TensorFlow's oneDNN
# with ONEDNN_MAX_CPU_ISA=AVX2. On an AVX-512 machine
# that stands in for the project's AVX2-only machines (same code paths and register count; not the same cache sizes
# or clocks).
# --model starter times the competitors' starter MLP instead of the seed (ops/src/test/resources/keras/starter_mlp.json:
# rows of 130 features, BN, dropout, four Dense/BN/swish/dropout blocks, five sigmoid units, trained on
# resp_1,resp_2,resp_3,resp,resp_4 with Keras's Adam and binary cross-entropy): `kiln bench --model` times the step
# `kiln train --model` runs, scripts/jax_mlp_step.py is the same step in JAX, and scripts/keras_mlp_step.py runs
# TensorFlow/tf_keras 2.21's own train function (jit_compile off) on the model built from the same model.json, in the
# venv of scripts/keras-venv.sh; the rows then have a "vs Keras" column beside "vs JAX". That the JAX step is Keras's
# is checked by `keras_mlp_step.py --reference REF.npz` (Keras venv) then `jax_mlp_step.py check REF.npz` (JAX venv):
# three steps from the same weights and batch, dropout off, losses and weights compared.
# The engines' steps are timed in turns (scripts/step_turns.py): all four stay up, and each round gives each one turn of
# --steps steps (20 below batch 4096, 4 from 4096), --rounds rounds (7); the rows are the medians of the rounds.
# Usage: scripts/compare-cpu.sh [--model seed|starter] [--batches "512 4096"] [--steps N] [--rounds N] [--warmup N]
#        [--skip-gemm] [--isa avx2]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
batches="512 4096"
steps=""
rounds=7
warmup=""
gemm=1
isa=""
model=seed
while [ $# -gt 0 ]; do
  case "$1" in
    --batches) batches="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --skip-gemm) gemm=0; shift ;;
    --isa) isa="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    *) echo "usage: $0 [--model seed|starter] [--batches \"B ...\"] [--steps N] [--rounds N] [--warmup N] [--skip-gemm]" \
         "[--isa avx2]" >&2
       exit 2 ;;
  esac
done
case "$model" in
  seed|starter) ;;
  *) echo "$0: --model takes seed or starter, not '$model'" >&2; exit 2 ;;
esac
case "$isa" in
  "") ;;
  avx2)
    export KILN_JAVA_OPTS="${KILN_JAVA_OPTS:-} -XX:UseAVX=2"
    export XLA_FLAGS="${XLA_FLAGS:-} --xla_cpu_max_isa=AVX2"
    export OPENBLAS_CORETYPE=Haswell
    export ONEDNN_MAX_CPU_ISA=AVX2 ;;
  *) echo "$0: --isa takes avx2, not '$isa'" >&2; exit 2 ;;
esac
py="$("$root/scripts/jax-venv.sh")"
starter="$root/ops/src/test/resources/keras/starter_mlp.json"
if [ "$model" = starter ]; then
  kpy="$("$root/scripts/keras-venv.sh")"
  kiln_step="--model '$starter' --targets resp_1,resp_2,resp_3,resp,resp_4 --optimizer adam"
  jax_step="'$root/scripts/jax_mlp_step.py' bench"
else
  kiln_step=""
  jax_step="'$root/scripts/jax_seed_step.py' bench"
fi
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
echo "model: $model$([ "$model" = starter ] && echo " ($starter, 5 targets, Adam, batch norm and dropout in training)")"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores; vector extensions: $vec"
[ -n "$isa" ] && echo "instruction set limited to $isa in every engine (KILN_JAVA_OPTS=$KILN_JAVA_OPTS; XLA_FLAGS=$XLA_FLAGS; OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE)"
echo "steady state: every engine runs ${warmup:-150 (batch < 4096) or 20} untimed warm-up steps first"
echo "turns: the engines stay up and take turns of ${steps:-20 (batch < 4096) or 4} steps, $rounds rounds; rows are the medians"
if [ "$model" = starter ]; then
  printf '%-8s %-14s %12s %12s %10s %10s   %s\n' batch engine "ms/step" "samples/s" "vs JAX" "vs Keras" \
    "rounds (ms/step)"
else
  printf '%-8s %-14s %12s %12s %10s   %s\n' batch engine "ms/step" "samples/s" "vs JAX" "rounds (ms/step)"
fi
for b in $batches; do
  n="${steps:-$(( b >= 4096 ? 4 : 20 ))}"
  w="${warmup:-$(( b >= 4096 ? 20 : 150 ))}"
  rm -rf "$tmp/hlo"
  # Turns rather than one engine after another: on a shared VM the speed moves by tens of percent for seconds at a
  # time, and engines timed in sequence landed in different spells (a Kiln row at 0.64x JAX between runs at 1.2-1.3x).
  # The hlo engine starts once pjrt:cpu is ready, so the step it dumped is there (the largest program compiled).
  # shellcheck disable=SC2016  # the $(ls ...) is for the engine's own shell, at its start
  keras=()
  [ "$model" = starter ] && keras=(--engine "keras='$kpy' '$root/scripts/keras_mlp_step.py' --model '$starter' --batch $b --warmup $w --turns")
  "$py" "$root/scripts/step_turns.py" --rounds "$rounds" --steps "$n" \
    --engine "jax=JAX_PLATFORMS=cpu '$py' $jax_step --batch $b --warmup $w --turns" \
    "${keras[@]}" \
    --engine "kiln java='$root/kiln' bench --backend java $kiln_step --batch $b --warmup $w --turns" \
    --engine "kiln pjrt:cpu=KILN_DUMP_STABLEHLO='$tmp/hlo' '$root/kiln' bench --backend pjrt:cpu $kiln_step --batch $b --warmup $w --turns" \
    --engine "kiln hlo, jax='$py' '$root/scripts/jax_run_stablehlo.py' \"\$(ls -S '$tmp'/hlo/*.mlir | head -1)\" --warmup $w --turns" \
    > "$tmp/turns.json" 2> "$tmp/turns.err" || { cat "$tmp/turns.err" >&2; echo "$0: the step turns at batch $b failed" >&2; exit 1; }
  "$py" - "$tmp/turns.json" "$b" <<'PY'
import json, sys
engines, batch = json.load(open(sys.argv[1]))["engines"], int(sys.argv[2])
speed = {e["name"]: batch / e["ms_per_step"] for e in engines}
for e in engines:
    sps = speed[e["name"]]
    vs = "%10.3f" % (sps / speed["jax"]) + (" %10.3f" % (sps / speed["keras"]) if "keras" in speed else "")
    print("%-8d %-14s %12.2f %12.0f %s   %s" % (batch, e["name"], e["ms_per_step"], sps * 1e3, vs,
                                           " ".join("%.1f" % r for r in e["rounds_ms"])))
PY
done
echo "(kiln hlo, jax: the StableHLO kiln pjrt:cpu ran, compiled and run by JAX $("$py" -c 'import jax; print(jax.__version__)')'s XLA)"
[ "$model" = starter ] && echo "(keras: tf_keras $("$kpy" -c 'import tf_keras; print(tf_keras.__version__)' 2>/dev/null), jit_compile off)"
if [ "$gemm" = 1 ]; then
  # numpy and Kiln take turns of one second, nine rounds, each engine in one process kept warm
  # (scripts/gemm_turns.py, dev.kiln.bench.GemmTurns): on a shared VM the speed moves by tens of percent for seconds
  # at a time, and one-second turns put both in the same spells. The rows are the medians of the rounds; the rounds
  # themselves follow on each row.
  printf '\n%-16s %-14s %10s %10s   %s\n' gemm engine "GFLOP/s" "vs numpy" "rounds"
  jar="$root/bench/target/benchmarks.jar"
  [ -f "$jar" ] || { echo "$0: $jar is missing: build with mvn -DskipTests package" >&2; exit 1; }
  . "$root/.ci/jdk.sh"
  kiln_select_jdk
  for mnk in 1024x1024x1024 81920x650x64; do  # M x K x N, as GemmBenchmark's mnk
    m=${mnk%%x*}; rest=${mnk#*x}; k=${rest%%x*}; n=${rest#*x}
    # shellcheck disable=SC2086  # KILN_JAVA_OPTS holds several options
    read -r np kiln nps kilns < <(OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 "$py" "$root/scripts/gemm_turns.py" \
      "$m" "$k" "$n" 9 1 -- java --add-modules jdk.incubator.vector ${KILN_JAVA_OPTS:-} -cp "$jar" \
      dev.kiln.bench.GemmTurns "$m" "$k" "$n" 2>"$tmp/turns.err") || true
    [ -n "${kiln:-}" ] || { cat "$tmp/turns.err" >&2; echo "$0: the GEMM turns for $mnk failed" >&2; exit 1; }
    printf '%-16s %-14s %10s %10s   %s\n' "$mnk" numpy "$np" 1.000 "${nps//,/ }"
    printf '%-16s %-14s %10s %10s   %s\n' "$mnk" "kiln (1 thr)" "$kiln" \
      "$(awk -v a="$kiln" -v b="$np" 'BEGIN {printf "%.3f", a / b}')" "${kilns//,/ }"
  done
fi
