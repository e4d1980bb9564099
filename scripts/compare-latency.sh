#!/usr/bin/env bash
# One row at a time, Kiln beside tf_keras and TFLite, on the same model and rows in one run: kiln stream's model call
# and whole row (parse included) against tf_keras's model.predict, model(x, training=False), a tf.function with a fixed
# signature, and the TFLite interpreter on one thread (scripts/keras_latency.py, under the Keras venv), and the round
# trip through kiln serve on the loopback (scripts/serve_latency.py, one keep-alive connection). Every path answers
# the file's first --warmup rows untimed first (kiln stream on a predictor of its own), then times every row. Prints p50, p99 and max per row in
# microseconds, and Kiln's model call over TFLite's.
# Usage: scripts/compare-latency.sh --model RUN --csv test.csv [--rows N] [--warmup N]
#   RUN: a run folder from kiln train or demo; test.csv: e.g. kiln export-test --data DATA --out test.csv
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
model=""; csv=""; rows=2000; warmup=500
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    --csv) csv="$2"; shift 2 ;;
    --rows) rows="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    *) echo "usage: $0 --model RUN --csv test.csv [--rows N] [--warmup N]" >&2; exit 2 ;;
  esac
done
[ -n "$model" ] && [ -n "$csv" ] || { echo "usage: $0 --model RUN --csv test.csv [--rows N] [--warmup N]" >&2; exit 2; }
py="$("$root/scripts/keras-venv.sh")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
head -n "$((rows + 1))" "$csv" > "$tmp/rows.csv"
"$root/kiln" stream --model "$model" --csv "$tmp/rows.csv" --warmup "$warmup" --out "$tmp/actions.csv" \
  > "$tmp/kiln.txt" 2>&1 || { cat "$tmp/kiln.txt" >&2; exit 1; }
"$py" "$root/scripts/keras_latency.py" --model "$model" --csv "$tmp/rows.csv" --rows "$rows" \
  --warmup "$warmup" > "$tmp/keras.jsonl"
"$root/kiln" serve --model "$model" --port 0 > "$tmp/serve.txt" 2>&1 &
serve=$!
for _ in $(seq 1 600); do grep -q "listening on" "$tmp/serve.txt" 2>/dev/null && break; sleep 0.1; done
port="$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/serve.txt")"
[ -n "$port" ] || { kill "$serve"; cat "$tmp/serve.txt" >&2; exit 1; }
python3 "$root/scripts/serve_latency.py" --port "$port" --csv "$tmp/rows.csv" --rows "$rows" --warmup "$warmup" \
  >> "$tmp/keras.jsonl" || { kill "$serve"; exit 1; }
kill -TERM "$serve"; wait "$serve" || true
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
