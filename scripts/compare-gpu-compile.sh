#!/usr/bin/env bash
# Kiln beside JAX, compiling the seed's training step ahead of time for a GPU with the CUDA plugin and no GPU: the
# same plugin and target spec compile Kiln's StableHLO (kiln check --target) and JAX's jit of the same step, lowered
# for CUDA with jax.export (scripts/jax_seed_step.py export), at each batch on one GPU. The table shows each step's
# kernels per step in the optimized program (fusions plus library calls and other launched ops), its temp and peak
# memory, and Kiln / JAX (below 1: Kiln's program launches fewer kernels or needs less memory).
# Usage: scripts/compare-gpu-compile.sh [TARGET (default h100)] [BATCH ... (default 512 4096)]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${1:-h100}"
shift || true
if [ $# -gt 0 ]; then batches=("$@"); else batches=(512 4096); fi
py="$("$root/scripts/jax-venv.sh")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for b in "${batches[@]}"; do
  mkdir -p "$tmp/$b"
  "$py" "$root/scripts/jax_seed_step.py" export --platform cuda --batch "$b" --dump-stablehlo "$tmp/$b/jax.mlir" \
    >/dev/null 2>"$tmp/jax.err" || { cat "$tmp/jax.err" >&2; exit 1; }
  echo "== $target, batch $b (JAX $("$py" -c 'import jax; print(jax.__version__)'))"
  "$root/kiln" check --backend pjrt:cuda --target "$target" --batch "$b" --steps-only --versus "$tmp/$b/jax.mlir" \
    2>"$tmp/kiln.err" | sed -n '/^train step /,/^kiln \/ /p' \
    || { cat "$tmp/kiln.err" >&2; exit 1; }
done
