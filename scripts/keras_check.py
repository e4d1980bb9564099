"""Keras reads what Kiln trains: an independent check with TensorFlow and tf_keras.

Builds the model from Kiln's model.json with tf_keras.models.model_from_json, loads Kiln's model.h5 with
model.load_weights, builds the holdout fold's windows from Kiln's TFRecords with tf.data exactly as the seed notebook
does (per file: window(20, shift=1, drop_remainder=True), keep windows whose rows share one date), predicts them, and
compares each window's probability with `kiln predict`'s CSV, matched by the ts_id of the window's last row.
A model whose input is [None, 130] takes rows: every row of the fold is a sample (windows of one row). A model with
k > 1 output units is compared unit by unit with the CSV's probability_0..k-1; a model with several outputs, each
sigmoid output with the CSV's NAME_probability_0..k-1 (all of them in the order of the model's outputs). An output
Kiln trained from logits (named in model.safetensors's from_logits metadata) is linear in model.json, as Keras gave
it: its Keras predictions are logits, and their sigmoid is compared with Kiln's probabilities.

Exit status 0 when the window sets are equal and every probability agrees within --tol; 1 otherwise.
Run with the venv from scripts/keras-venv.sh:
  python scripts/keras_check.py --model RUN --data DATA --fold 4 --preds preds.csv
"""
import argparse
import csv
import glob
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402


def from_logits(run):
    """The outputs model.safetensors's metadata records as trained from logits (its JSON header's __metadata__)."""
    with open(os.path.join(run, "model.safetensors"), "rb") as fh:
        n = int.from_bytes(fh.read(8), "little")
        header = json.loads(fh.read(n))
    names = header.get("__metadata__", {}).get("from_logits", "")
    return set(names.split(",")) if names else set()


def holdout_windows(data, fold, window):
    """(X [n, window, features], ts_id of each window's last row), via tf.data, in file order."""
    columns = json.load(open(os.path.join(data, "columns.json")))
    date_col, ts_col = columns["date"], columns["ts_id"]
    feats = [columns[f"feature_{i}"] for i in range(130)]
    files = sorted(glob.glob(os.path.join(data, f"fold{fold}", "*.tfrec")))
    if not files:
        sys.exit(f"keras_check: no TFRecord files in {data}/fold{fold}")
    xs, ts = [], []
    for f in files:
        rows = tf.data.TFRecordDataset(f).map(lambda r: tf.io.parse_tensor(r, tf.float32))
        wins = rows.window(window, shift=1, drop_remainder=True).flat_map(lambda w: w.batch(window))
        wins = wins.filter(lambda w: tf.reduce_all(tf.equal(w[:, date_col], w[0, date_col])))
        for w in wins.batch(4096):
            w = w.numpy()
            xs.append(w[:, :, feats])
            ts.append(w[:, -1, ts_col])
    return np.concatenate(xs), np.concatenate(ts).astype(np.int64)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="Kiln run folder with model.json and model.h5")
    ap.add_argument("--data", required=True, help="Kiln dataset folder (columns.json, fold*/)")
    ap.add_argument("--fold", type=int, default=4)
    ap.add_argument("--preds", required=True, help="kiln predict's CSV: ts_id,date,label,probability")
    ap.add_argument("--tol", type=float, default=1e-5)
    a = ap.parse_args()

    model = tf_keras.models.model_from_json(open(os.path.join(a.model, "model.json")).read())
    model.load_weights(os.path.join(a.model, "model.h5"))
    rows = len(model.input_shape) == 2  # [None, 130]: every row is a sample (windows of one row)
    window = 1 if rows else model.input_shape[1]
    x, ts = holdout_windows(a.data, a.fold, window)
    if rows:
        x = x[:, 0, :]
    outputs = model.predict(x, batch_size=1024, verbose=0)  # [n, k] per output: one column per unit
    several = isinstance(outputs, list)
    if not several:
        outputs = [outputs]
    logits = from_logits(a.model)
    if logits:
        print(f"keras_check: sigmoid of Keras's logits: {', '.join(sorted(logits))}")
        outputs = [1 / (1 + np.exp(-p.astype(np.float64))) if name in logits else p
                   for name, p in zip(model.output_names, outputs)]
    with open(a.preds) as fh:
        header = next(csv.reader(fh))
    # One output: probability or probability_j. Several: NAME_probability(_j) of each output kiln predict wrote
    # (its sigmoid outputs); every one of those must be there.
    keras_cols, columns = [], []
    for name, p in zip(model.output_names, outputs):
        k = p.shape[1]
        stem = f"{name}_probability" if several else "probability"
        cols = [stem] if k == 1 else [f"{stem}_{j}" for j in range(k)]
        if several and name not in logits and model.get_layer(name).get_config().get("activation") != "sigmoid":
            continue
        missing = [c for c in cols if c not in header]
        if missing:
            print(f"keras_check: FAIL: the CSV has no column {missing[0]} (header {header})")
            return 1
        keras_cols.append(p)
        columns += cols
    keras_p = np.concatenate(keras_cols, axis=1)
    k = keras_p.shape[1]

    kiln = {}
    with open(a.preds) as fh:
        for r in csv.DictReader(fh):
            kiln[int(r["ts_id"])] = [float(r[c]) for c in columns]
    print(f"keras_check: tf_keras {tf_keras.__version__}, tensorflow {tf.__version__}; "
          f"{model.count_params()} parameters, {k} output unit(s) compared ({', '.join(columns)}); tf.data found "
          f"{len(ts)} windows, kiln predicted {len(kiln)}")
    if len(ts) != len(kiln) or set(ts.tolist()) != set(kiln):
        print("keras_check: FAIL: the window sets differ")
        return 1
    kiln_p = np.array([kiln[t] for t in ts.tolist()])
    diff = np.abs(keras_p.astype(np.float64) - kiln_p).max(axis=1)
    worst = int(np.argmax(diff))
    print(f"keras_check: max |p_keras - p_kiln| = {diff[worst]:.3e} (ts_id {ts[worst]}), tolerance {a.tol:.0e}")
    if not diff[worst] <= a.tol:
        print("keras_check: FAIL")
        return 1
    print("keras_check: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
