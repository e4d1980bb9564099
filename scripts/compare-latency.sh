#!/usr/bin/env bash
# One row at a time, Kiln beside tf_keras and TFLite, on the same model and rows in one run: kiln stream's model call
# and whole row (parse included) against tf_keras's model.predict, model(x, training=False), a tf.function with a fixed
# signature, and the TFLite interpreter on one thread (scripts/keras_latency.py, under the Keras venv). Prints p50, p99
# and max per row in microseconds, and Kiln's model call over TFLite's.
# Usage: scripts/compare-latency.sh --model RUN --csv test.csv [--rows N]   (a run folder from kiln train or demo)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
model=""; csv=""; rows=2000
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    --csv) csv="$2"; shift 2 ;;
    --rows) rows="$2"; shift 2 ;;
    *) echo "usage: $0 --model RUN --csv test.csv [--rows N]" >&2; exit 2 ;;
  esac
done
[ -n "$model" ] && [ -n "$csv" ] || { echo "usage: $0 --model RUN --csv test.csv [--rows N]" >&2; exit 2; }
py="$("$root/scripts/keras-venv.sh")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
head -n "$((rows + 1))" "$csv" > "$tmp/rows.csv"
"$root/kiln" stream --model "$model" --csv "$tmp/rows.csv" --out "$tmp/actions.csv" > "$tmp/kiln.txt" 2>&1 \
  || { cat "$tmp/kiln.txt" >&2; exit 1; }
"$py" "$root/scripts/keras_latency.py" --model "$model" --csv "$tmp/rows.csv" --rows "$rows" > "$tmp/keras.jsonl"
printf '%-36s %10s %10s %10s\n' path "p50 us" "p99 us" "max us"
for what in "model call" "whole row"; do
  sed -n "s/^${what}: *p50 \([0-9.]*\) us, p99 \([0-9.]*\) us, max \([0-9.]*\) us.*/\1 \2 \3/p" "$tmp/kiln.txt" \
    | awk -v n="kiln stream, $what" '{printf "%-36s %10s %10s %10s\n", n, $1, $2, $3}'
done
"$py" - "$tmp/keras.jsonl" "$tmp/kiln.txt" <<'PY'
import json, re, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
for r in rows:
    print(f"{r['path']:36s} {r['p50_us']:10.1f} {r['p99_us']:10.1f} {r['max_us']:10.1f}")
k = re.search(r"model call: *p50 ([0-9.]+) us, p99 ([0-9.]+) us", open(sys.argv[2]).read())
lite = [r for r in rows if r["path"].startswith("TFLite")]
if k and lite:
    print(f"kiln model call / TFLite: p50 {float(k.group(1)) / lite[0]['p50_us']:.3f}, "
          f"p99 {float(k.group(2)) / lite[0]['p99_us']:.3f} (below 1: Kiln is faster)")
PY
