#!/usr/bin/env bash
# Kiln and JAX on the same accelerator in one run, on a machine without Java or network: runs `kiln check` (the
# conformance suite on the PJRT backend), then the seed's training step with state and batch resident, in Kiln
# (`kiln bench`) and in JAX (scripts/jax_seed_step.py, the same step, model and batch), at each global batch, and
# prints one table with the ratio. Build the bundle first on a machine with a JDK:
#   scripts/device-bundle.sh      (creates dist/device.tgz: a jlinked runtime and the jars; nothing is built here)
# Then, on the device machine:
#   scripts/device-check.sh [--backend pjrt:cuda] [--plugin PATH] [--python PY] [--batches "4096 32768"] [--steps N]
# The CUDA plugin is found where that machine's Python keeps JAX's (jax_plugins/xla_cuda13), unless --plugin.
# --python names the Python with JAX for the JAX side (default: the first of python3, python that imports jax).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
backend="pjrt:cuda"
plugin=""
python=""
batches="4096 32768"
steps=100
while [ $# -gt 0 ]; do
  case "$1" in
    --backend) backend="$2"; shift 2 ;;
    --plugin) plugin="$2"; shift 2 ;;
    --python) python="$2"; shift 2 ;;
    --batches) batches="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    *) echo "usage: $0 [--backend NAME] [--plugin PATH] [--python PY] [--batches \"B ...\"] [--steps N]" >&2; exit 2 ;;
  esac
done
if [ ! -f "$root/dist/device.tgz" ]; then
  echo "device-check: no dist/device.tgz — run scripts/device-bundle.sh on a machine with a JDK" >&2
  exit 1
fi
if [ -z "$python" ]; then
  for cand in python3 python; do
    if command -v "$cand" >/dev/null && "$cand" -c 'import jax' 2>/dev/null; then python="$cand"; break; fi
  done
fi
if [ -z "$plugin" ] && [ "$backend" = "pjrt:cuda" ] && [ -n "$python" ]; then
  plugin="$("$python" -c 'import os, jax_plugins.xla_cuda13 as m; print(os.path.join(os.path.dirname(m.__file__), "xla_cuda_plugin.so"))' 2>/dev/null)"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xzf "$root/dist/device.tgz"
java="$work/device/jre/bin/java"
jar="$work/device/kiln-train.jar"
args=(--backend "$backend")
[ -n "$plugin" ] && args+=(--plugin "$plugin")
kiln() { "$java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseG1GC -jar "$jar" "$@" 2>&1 | grep -v '^WARNING: Using incubator'; }
echo "== device"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
grep -m1 'model name' /proc/cpuinfo
echo "plugin: ${plugin:-(found by Kiln)}; JAX python: ${python:-(none: JAX side skipped)}"
echo "== kiln check ${args[*]}"
kiln check "${args[@]}" > "$work/check.txt"
status=${PIPESTATUS[0]}
head -n 3 "$work/check.txt"
tail -n 3 "$work/check.txt"
repeats=$(( steps < 5 ? steps : 5 ))
rows=()
for batch in $batches; do
  echo "== batch $batch: kiln bench ${args[*]}"
  kiln bench "${args[@]}" --batch "$batch" --steps "$steps" --repeats "$repeats" > "$work/bench.txt"
  tail -n 4 "$work/bench.txt"
  k_ms=$(awk '/^resident batch/ {print $3}' "$work/bench.txt")
  k_sps=$(awk '/^resident batch/ {print $4}' "$work/bench.txt")
  # The same step compiled on the bundling machine with no GPU (kiln compile --target): loaded, not compiled. A
  # folder for another GPU or plugin is refused in one line, which is printed as it is.
  for exe in "$work"/device/executables/*-"$batch"; do
    [ -d "$exe" ] || continue
    echo "== batch $batch: kiln bench --executables $(basename "$exe")"
    kiln bench "${args[@]}" --batch "$batch" --steps "$steps" --repeats "$repeats" --modes resident \
      --executables "$exe" > "$work/bench-exe.txt" || true
    grep -E '^resident batch|compiled nothing|error' "$work/bench-exe.txt" | tail -n 2
  done
  j_ms="-"; j_sps="-"; ratio="-"
  if [ -n "$python" ]; then
    echo "== batch $batch: JAX"
    if "$python" "$root/scripts/jax_seed_step.py" bench --batch "$batch" --steps "$steps" --repeats "$repeats" \
        > "$work/jax.json" 2> "$work/jax.err"; then
      j_ms=$("$python" -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["ms_per_step"])' "$work/jax.json")
      j_sps=$("$python" -c 'import json,sys; print("%.0f" % json.load(open(sys.argv[1]))["samples_per_s"])' "$work/jax.json")
      cat "$work/jax.json"
    else
      tail -n 5 "$work/jax.err"
    fi
  fi
  if [ -n "$k_sps" ] && [ "$j_sps" != "-" ]; then ratio=$(awk -v a="$k_sps" -v b="$j_sps" 'BEGIN {printf "%.3f", a / b}'); fi
  rows+=("$(printf '%-8s %12s %14s %12s %14s %10s' "$batch" "${k_ms:--}" "${k_sps:--}" "$j_ms" "$j_sps" "$ratio")")
  [ -n "$k_sps" ] || status=1
done
echo "== seed training step, state and batch resident ($backend)"
printf '%-8s %12s %14s %12s %14s %10s\n' batch "kiln ms" "kiln samp/s" "jax ms" "jax samp/s" "kiln/jax"
printf '%s\n' "${rows[@]}"
exit "$status"
