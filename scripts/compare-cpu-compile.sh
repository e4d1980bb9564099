#!/usr/bin/env bash
# Why the same program runs at different speeds on JAX's own XLA and on the PJRT CPU plugin: compiles Kiln's seed
# training step (dumped as StableHLO by kiln bench --backend pjrt:cpu) in both, with XLA's dump on, and compares what
# each compiler made of it: fusions by kind (loop, and custom ones such as YNNPACK's), the parallel partitions XLA's
# CPU backend gave loops, dots and convolutions left as library calls, and the debug options that differ.
# No timing: it can run beside other work.
# Usage: scripts/compare-cpu-compile.sh [--batch 512]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
batch=512
while [ $# -gt 0 ]; do
  case "$1" in
    --batch) batch="$2"; shift 2 ;;
    *) echo "usage: $0 [--batch B]" >&2; exit 2 ;;
  esac
done
py="$("$root/scripts/jax-venv.sh")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
KILN_DUMP_STABLEHLO="$tmp/hlo" XLA_FLAGS="--xla_dump_to=$tmp/plugin --xla_dump_hlo_as_text" \
  "$root/kiln" bench --backend pjrt:cpu --batch "$batch" --steps 1 --repeats 1 --warmup 0 --modes resident \
  > "$tmp/bench.txt" 2>&1 || { cat "$tmp/bench.txt" >&2; exit 1; }
step="$(ls -S "$tmp"/hlo/*.mlir | head -1)"
XLA_FLAGS="--xla_dump_to=$tmp/jax --xla_dump_hlo_as_text" \
  "$py" "$root/scripts/jax_run_stablehlo.py" "$step" --steps 1 --repeats 1 --warmup 1 > "$tmp/jax.txt" 2>&1 \
  || { cat "$tmp/jax.txt" >&2; exit 1; }
# The step's optimized module in each dump: the largest one.
opt() { ls -S "$1"/*after_optimizations.txt | head -1; }
plugin="$(opt "$tmp/plugin")"; jax="$(opt "$tmp/jax")"
"$py" - "$plugin" "$jax" <<'PY'
import re, sys
def stats(path):
    t = open(path).read()
    entry = t[t.index("\nENTRY"):]
    entry = entry[:entry.index("\n}\n")]
    parts = re.findall(r'outer_dimension_partitions":\[([^\]]*)\]', t)
    return {
        "instructions in the entry": len(re.findall(r"^\s+%\S+ = ", entry, re.M)),
        "loop fusions": len(re.findall(r"kind=kLoop", t)),
        "custom fusions (YNNPACK)": len(re.findall(r'"kind":"__ynn_fusion"', t)),
        "other custom fusions": len(re.findall(r"kind=kCustom", t)) - len(re.findall(r'"kind":"__ynn_fusion"', t)),
        "loops split for threads": sum(1 for p in parts if p),
        "convolutions": len(re.findall(r" convolution\(", entry)),
        "dots": len(re.findall(r" dot\(", entry)),
    }
a, b = stats(sys.argv[1]), stats(sys.argv[2])
print(f"{'':34s} {'plugin':>8s} {'jax':>8s}")
for k in a:
    print(f"{k:34s} {a[k]:8d} {b[k]:8d}")
def opts(path):
    return set(open(path.replace("cpu_after_optimizations.txt", "debug_options")).read().splitlines())
pa, pj = opts(sys.argv[1]), opts(sys.argv[2])
diff = sorted(l for l in (pa ^ pj) if not l.startswith("xla_dump_to"))
print("debug options that differ (plugin < > jax):", "none" if not diff else "")
for l in diff:
    print(("  < " if l in pa else "  > ") + l)
PY
