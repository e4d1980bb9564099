#!/usr/bin/env bash
# Kiln beside JAX, compiling the seed's training step ahead of time for a TPU topology with libtpu and no TPU:
# the same libtpu (the one JAX's venv holds, 0.0.42.1) compiles Kiln's StableHLO (kiln check --topology) and JAX's
# jit of the same step (scripts/jax_seed_step.py), at each global batch; the table shows XLA's per-device cost
# analysis of both and the ratio of estimated step times (Kiln / JAX: below 1 means Kiln's program is faster).
# Usage: scripts/compare-tpu-compile.sh [TOPOLOGY (default v3-8)] [BATCH ...(default 4096 32768)]
#   XLA_FLAGS="--xla_dump_to=DIR --xla_dump_hlo_as_text" also dumps both optimized programs for reading.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
topology="${1:-v3-8}"
shift || true
if [ $# -gt 0 ]; then batches=("$@"); else batches=(4096 32768); fi
py="$("$root/scripts/jax-venv.sh")"
libtpu="$("$py" -c 'import libtpu, os; print(os.path.join(os.path.dirname(libtpu.__file__), "libtpu.so"))')"
# libtpu's name for the topology, as Kiln resolved it (v3-8 -> v3:2x2), for JAX.
libtpu_name="$("$root/kiln" check --backend pjrt:tpu --topology "$topology" --plugin "$libtpu" --batch "${batches[0]}" \
    --json /dev/null 2>/dev/null | sed -n 's/^topology .* (libtpu \([^)]*\)).*/\1/p')"
[ -n "$libtpu_name" ] || { echo "compare-tpu-compile: kiln check failed for $topology" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
printf '%-8s %-8s %-8s %14s %14s %14s %14s %10s\n' topology batch engine flops/device bytes/device "est ms/step" "samples/s" "Kiln/JAX"
for b in "${batches[@]}"; do
  "$root/kiln" check --backend pjrt:tpu --topology "$topology" --plugin "$libtpu" --batch "$b" --json "$tmp/kiln.json" \
    >/dev/null 2>"$tmp/kiln.err" || { cat "$tmp/kiln.err" >&2; exit 1; }
  "$py" "$root/scripts/jax_seed_step.py" tpu-compile --topology "$libtpu_name" --batch "$b" 2>"$tmp/jax.err" \
    | tail -1 > "$tmp/jax.json" || { cat "$tmp/jax.err" >&2; exit 1; }
  "$py" - "$topology" "$b" "$tmp/kiln.json" "$tmp/jax.json" <<'PY'
import json, sys
topo, b, kf, jf = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
k = json.load(open(kf))["train_step"]
j = json.load(open(jf))
ks, js = k["cost"]["optimal_seconds"], j["cost"]["optimal_seconds"]
for name, c, s in (("kiln", k["cost"], ks), ("jax", j["cost"], js)):
    print(f"{topo:8s} {b:8s} {name:8s} {c['flops']:14.4g} {c['bytes_accessed']:14.4g} {s * 1e3:14.4f} "
          f"{int(b) / s:14.0f} {'' if name == 'kiln' else f'{ks / js:10.3f}'}")
PY
done
echo "(Kiln/JAX = Kiln's estimated step time over JAX's; libtpu $libtpu)"
