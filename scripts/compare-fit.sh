#!/usr/bin/env bash
# The competitors' starter MLP trained by Kiln and by TensorFlow/tf_keras 2.21 on the same synthetic data, scored on
# the same holdout. `kiln synth` writes the dataset (--days days of --rows-per-day rows, five folds; or --data DIR uses
# a Kiln dataset folder); `kiln train --model starter_mlp.json --targets resp_1,resp_2,resp_3,resp,resp_4 --optimizer
# adam` fits it on folds 0-3 (rows, batch norm and dropout, Keras's Adam at 1e-3, binary cross-entropy without label
# smoothing: kiln train has no flag for it) and `kiln predict` writes its probabilities for fold 4; then
# scripts/keras_fit.py (the venv of scripts/keras-venv.sh) reads the same TFRecords with tf.data, fits the model built
# from the same model.json for the same epochs, batch and optimizer, and scores both engines' holdout predictions with
# tf_keras's AUC. Prints both AUCs and Kiln's minus Keras's; exits 1 when Kiln's AUC is below Keras's - --margin (0.01).
# Usage: scripts/compare-fit.sh [--days N] [--rows-per-day N] [--data DIR] [--epochs N] [--batch N] [--backend B]
#        [--margin M] [--keep DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
model="$root/ops/src/test/resources/keras/starter_mlp.json"
targets="resp_1,resp_2,resp_3,resp,resp_4"
days=200; rows=2000; data=""; epochs=5; batch=4096; backend=java; margin=0.01; keep=""
usage="usage: $0 [--days N] [--rows-per-day N] [--data DIR] [--epochs N] [--batch N] [--backend B] [--margin M] [--keep DIR]"
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
  case "$1" in
    --days) days="$2" ;;
    --rows-per-day) rows="$2" ;;
    --data) data="$2" ;;
    --epochs) epochs="$2" ;;
    --batch) batch="$2" ;;
    --backend) backend="$2" ;;
    --margin) margin="$2" ;;
    --keep) keep="$2" ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
  shift 2
done
kpy="$("$root/scripts/keras-venv.sh")"
if [ -n "$keep" ]; then
  [ -e "$keep" ] && { echo "$0: --keep $keep already exists; name a new folder" >&2; exit 2; }
  mkdir -p "$keep"
  tmp="$(cd "$keep" && pwd)"
else
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
fi
if [ -z "$data" ]; then
  data="$tmp/data"
  echo "== kiln synth: $days days of $rows rows into $data"
  "$root/kiln" synth --out "$data" --days "$days" --rows-per-day "$rows" --folds 5 >"$tmp/synth.log" 2>&1 \
    || { cat "$tmp/synth.log" >&2; echo "$0: kiln synth failed" >&2; exit 1; }
fi
echo "== kiln train: starter MLP, $epochs epochs, batch $batch, Adam, backend $backend"
"$root/kiln" train --data "$data" --out "$tmp/kiln" --model "$model" --targets "$targets" --optimizer adam \
  --epochs "$epochs" --batch-size "$batch" --backend "$backend" --folds 5 --holdout 4 >"$tmp/train.log" 2>&1 \
  || { tail -20 "$tmp/train.log" >&2; echo "$0: kiln train failed" >&2; exit 1; }
grep -E "training windows" "$tmp/train.log" || true
"$kpy" - "$tmp/kiln/history.json" <<'PY'
import json, sys
h = json.load(open(sys.argv[1]))
for i in range(len(h["loss"])):
    print("Epoch %d/%d - loss: %.4f - auc: %.4f - val_loss: %.4f - val_auc: %.4f"
          % (i + 1, len(h["loss"]), h["loss"][i], h["auc"][i], h["val_loss"][i], h["val_auc"][i]))
PY
"$root/kiln" predict --model "$tmp/kiln" --data "$data" --fold 4 --targets "$targets" --batch-size "$batch" \
  --backend "$backend" --out "$tmp/kiln-preds.csv" >"$tmp/predict.log" 2>&1 \
  || { cat "$tmp/predict.log" >&2; echo "$0: kiln predict failed" >&2; exit 1; }
echo "== tf_keras: the same model.json, data, epochs, batch and optimizer"
"$kpy" "$root/scripts/keras_fit.py" --data "$data" --model "$model" --targets "$targets" --folds 5 --holdout 4 \
  --epochs "$epochs" --batch "$batch" --kiln-preds "$tmp/kiln-preds.csv" --kiln-metrics "$tmp/kiln/metrics.json" \
  --margin "$margin" 2> >(grep -v -E "cuda|cuInit|TF-TRT|oneDNN|absl::InitializeLog" >&2)
