"""The starter MLP (or another rows model) fitted by tf_keras on Kiln's dataset, beside Kiln's own fit of it.

Reads the dataset's TFRecords with tf.data (each record one row of columns.json's columns, NaN already filled, as
Kiln reads them): the training folds' rows and the holdout fold's rows, each labelled by the --targets columns with
Kiln's rule (1 + sign)/2. Builds the model from the same model.json with tf_keras.models.model_from_json, compiles it
as `kiln train --optimizer adam` trains it (Adam lr 1e-3 with Keras's defaults, BinaryCrossentropy), and fits it for
--epochs epochs of training rows // --batch steps of --batch rows each, drawn from a shuffled repeat of the training
rows (as Kiln's run). Then both engines' holdout predictions are scored by the same metric, tf_keras's AUC (200
thresholds, all units' predictions together, as Keras's and Kiln's val_auc): Keras's own, and Kiln's from
`kiln predict`'s CSV matched row by row by ts_id. Prints both AUCs and their difference (Kiln's minus Keras's).

Exit status 0 when Kiln's AUC >= Keras's - --margin; 1 when it is lower, or when the holdout rows differ.
Run with the venv from scripts/keras-venv.sh (scripts/compare-fit.sh runs it):
  keras_fit.py --data DATA --model starter_mlp.json --targets resp_1,...,resp_4 --kiln-preds preds.csv
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


def rows(data, folds, targets):
    """(features [n, 130], labels [n, k] by (1 + sign)/2, ts_id [n]) of the folds' files, in file order."""
    columns = json.load(open(os.path.join(data, "columns.json")))
    missing = [t for t in targets if t not in columns]
    if missing:
        sys.exit("keras_fit: %s is not a column of %s/columns.json" % (", ".join(missing), data))
    feats = [columns["feature_%d" % i] for i in range(130)]
    tcols = [columns[t] for t in targets]
    xs, ys, ts = [], [], []
    for fold in folds:
        files = sorted(glob.glob(os.path.join(data, "fold%d" % fold, "*.tfrec")))
        if not files:
            sys.exit("keras_fit: no TFRecord files in %s/fold%d" % (data, fold))
        for f in files:
            for b in tf.data.TFRecordDataset(f).map(lambda r: tf.io.parse_tensor(r, tf.float32)).batch(65536):
                b = b.numpy()
                xs.append(b[:, feats])
                ys.append((1 + np.sign(b[:, tcols])) / 2)
                ts.append(b[:, columns["ts_id"]])
    x = np.concatenate(xs).astype(np.float32)
    if not np.isfinite(x).all():
        sys.exit("keras_fit: %s has non-finite features in folds %s (Kiln's datasets are NaN-filled)" % (data, folds))
    return x, np.concatenate(ys).astype(np.float32), np.concatenate(ts).astype(np.int64)


def kiln_predictions(path, ts, k):
    """Kiln's holdout probabilities [n, k] in the order of ts, or None when its rows are not the same."""
    cols = ["probability"] if k == 1 else ["probability_%d" % j for j in range(k)]
    by_ts = {}
    with open(path) as fh:
        for r in csv.DictReader(fh):
            by_ts[int(r["ts_id"])] = [float(r[c]) for c in cols]
    if len(by_ts) != len(ts) or set(by_ts) != set(ts.tolist()):
        print("keras_fit: FAIL: kiln predicted %d holdout rows, tf.data read %d; the sets differ" % (len(by_ts), len(ts)))
        return None
    return np.array([by_ts[t] for t in ts.tolist()], dtype=np.float32)


def auc(y, p):
    m = tf_keras.metrics.AUC()
    m.update_state(y, p)
    return float(m.result())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="Kiln dataset folder (columns.json, fold*/)")
    ap.add_argument("--model", required=True, help="the Keras model.json Kiln trained (rows of 130 features)")
    ap.add_argument("--targets", default="resp", help="the columns Kiln trained on, one per output unit")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--holdout", type=int, default=4)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=4096)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--kiln-preds", required=True, help="kiln predict's CSV of the holdout fold")
    ap.add_argument("--kiln-metrics", help="the Kiln run's metrics.json, for its own val_auc (shown, not compared)")
    ap.add_argument("--margin", type=float, default=0.01, help="how far Kiln's AUC may fall below Keras's")
    a = ap.parse_args()
    if a.epochs < 1 or a.batch < 1 or not 0 <= a.holdout < a.folds:
        ap.error("--epochs and --batch must be at least 1 and --holdout one of the --folds")
    targets = [t.strip() for t in a.targets.split(",")]
    tf_keras.utils.set_random_seed(a.seed)
    model = tf_keras.models.model_from_json(open(a.model).read())
    if len(model.input_shape) != 2 or model.output_shape[1] != len(targets):
        sys.exit("keras_fit: %s takes %s and gives %s; this compares models on rows of 130 features with one unit "
                 "per target (%d)" % (a.model, model.input_shape, model.output_shape, len(targets)))
    x, y, _ = rows(a.data, [f for f in range(a.folds) if f != a.holdout], targets)
    vx, vy, vts = rows(a.data, [a.holdout], targets)
    steps = max(1, len(x) // a.batch)
    train = (tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=a.seed).repeat()
             .batch(a.batch, drop_remainder=len(x) >= a.batch).prefetch(2))
    model.compile(optimizer=tf_keras.optimizers.Adam(learning_rate=1e-3), loss=tf_keras.losses.BinaryCrossentropy(),
                  metrics=[tf_keras.metrics.AUC(name="auc")])
    print("keras_fit: tf_keras %s, tensorflow %s; %d training rows, %d holdout rows; %d epochs of %d steps of %d"
          % (tf_keras.__version__, tf.__version__, len(x), len(vx), a.epochs, steps, a.batch), flush=True)
    model.fit(train, epochs=a.epochs, steps_per_epoch=steps, validation_data=(vx, vy), batch_size=None,
              verbose=2)
    keras_auc = auc(vy, model.predict(vx, batch_size=a.batch, verbose=0))
    kiln_p = kiln_predictions(a.kiln_preds, vts, len(targets))
    if kiln_p is None:
        return 1
    kiln_auc = auc(vy, kiln_p)
    own = ""
    if a.kiln_metrics:
        own = " (Kiln's own val_auc: %.4f)" % json.load(open(a.kiln_metrics))["val_auc"]
    print("holdout AUC, fold %d, %d rows x %d targets, tf_keras.metrics.AUC on both:" % (a.holdout, len(vx), len(targets)))
    print("  keras  %.4f" % keras_auc)
    print("  kiln   %.4f%s" % (kiln_auc, own))
    print("  kiln - keras  %+.4f (fails below -%.3f)" % (kiln_auc - keras_auc, a.margin))
    if kiln_auc < keras_auc - a.margin:
        print("keras_fit: FAIL: Kiln's AUC is more than %.3f below Keras's" % a.margin)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
