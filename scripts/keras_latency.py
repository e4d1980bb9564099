"""One row at a time through tf_keras and TFLite: the latency anchors Kiln's streaming predictor is compared with.

Loads a Kiln run's model.json and model.h5 into tf_keras, then answers the rows of a CSV in example_test.csv's schema
one at a time, each row's input built as `kiln stream` builds it (the date's last W rows, the date's first row repeated
in front until W have come; NaN filled with --nan-fill), through: model.predict(x), model(x, training=False), a
tf.function with a fixed signature, and the TFLite interpreter on one thread (converted from the same model). Prints
one JSON line per path: p50, p99 and max per row in microseconds (nearest rank, as kiln stream reports them).
Run with the venv from scripts/keras-venv.sh:
  python scripts/keras_latency.py --model RUN --csv test.csv [--rows 2000] [--predict-rows 200]
"""
import argparse
import csv
import json
import math
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402


def inputs(path, window, rows, fill):
    """Each row's model input, [1, window, 130] (or [1, 130] for a row model), in file order."""
    out, date, ring = [], None, []
    with open(path) as f:
        r = csv.DictReader(f)
        for i, row in enumerate(r):
            if i == rows:
                break
            x = np.array([float(row[f"feature_{k}"]) if row[f"feature_{k}"] not in ("", "nan", "NaN") else fill
                          for k in range(130)], np.float32)
            x[np.isnan(x)] = fill
            if row["date"] != date:
                date, ring = row["date"], []
            ring = (ring + [x])[-window:]
            w = [ring[0]] * (window - len(ring)) + ring
            out.append(np.stack(w)[None] if window > 1 else x[None])
    return out


def percentiles(ns):
    s = sorted(ns)
    rank = lambda q: s[max(0, math.ceil(q * len(s)) - 1)]
    return {"p50_us": rank(0.50) / 1e3, "p99_us": rank(0.99) / 1e3, "max_us": s[-1] / 1e3, "rows": len(s)}


def timed(xs, call, warmup):
    for x in xs[:warmup]:
        call(x)
    ns = []
    for x in xs:
        t0 = time.perf_counter_ns()
        call(x)
        ns.append(time.perf_counter_ns() - t0)
    return percentiles(ns)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="a Kiln run folder (model.json, model.h5)")
    ap.add_argument("--csv", required=True)
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--predict-rows", type=int, default=200, help="rows for model.predict, which is slow")
    ap.add_argument("--nan-fill", type=float, default=-100.0)
    ap.add_argument("--warmup", type=int, default=20, help="rows answered untimed first, then every row is timed")
    a = ap.parse_args()
    model = tf_keras.models.model_from_json(open(os.path.join(a.model, "model.json")).read())
    model.load_weights(os.path.join(a.model, "model.h5"))
    shape = model.inputs[0].shape
    window = shape[1] if len(shape) == 3 else 1
    xs = inputs(a.csv, window, a.rows, a.nan_fill)
    fn = tf.function(lambda x: model(x, training=False),
                     input_signature=[tf.TensorSpec([1] + list(shape[1:]), tf.float32)])
    interp = tf.lite.Interpreter(model_content=tf.lite.TFLiteConverter.from_keras_model(model).convert(),
                                 num_threads=1)
    interp.allocate_tensors()
    i_in, i_out = interp.get_input_details()[0]["index"], interp.get_output_details()[0]["index"]

    def lite(x):
        interp.set_tensor(i_in, x)
        interp.invoke()
        return interp.get_tensor(i_out)

    paths = [("tf_keras model.predict(x)", lambda x: model.predict(x, verbose=0), xs[:a.predict_rows]),
             ("tf_keras model(x, training=False)", lambda x: model(x, training=False), xs),
             ("tf.function, fixed signature", lambda x: fn(x), xs),
             ("TFLite, 1 thread", lite, xs)]
    for name, call, rows in paths:
        print(json.dumps({"path": name, **timed(rows, call, min(a.warmup, len(rows)))}), flush=True)


if __name__ == "__main__":
    main()
