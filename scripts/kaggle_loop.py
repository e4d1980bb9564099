#!/usr/bin/env python3
"""The Jane Street competition's loop answered by `kiln serve` over localhost (standard library only).

On Kaggle, `janestreet.make_env().iter_test()` gives one row at a time and each action must be handed to
`env.predict` before the next row comes. This script runs that loop against a running `kiln serve`:

    ./kiln serve --model RUN &                      # listens on 127.0.0.1:8080
    python3 scripts/kaggle_loop.py                  # on Kaggle: the janestreet module's own loop
    python3 scripts/kaggle_loop.py --csv example_test.csv --out actions.csv   # anywhere: the same loop from a CSV

Each row is posted as a JSON object keyed by column name (null for NaN); the answer's action is used. With --csv it
writes ts_id,action per row and prints the round-trip latency (p50, p99, max).
"""
import argparse
import csv
import json
import math
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request


def post_row(url, row):
    """One row (a dict of column name to float or None) to /predict; returns the answer's dict."""
    body = json.dumps(row, allow_nan=False).encode()
    req = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as e:
        sys.exit(f"kaggle_loop: row ts_id {row.get('ts_id')}: {e.code} {e.read().decode(errors='replace').strip()}")
    except urllib.error.URLError as e:
        sys.exit(f"kaggle_loop: {url}: {e.reason} (is kiln serve running?)")


def value(name, text):
    """A CSV field as JSON: dates and ts_ids as integers, empty or nan as null, anything else as a float."""
    if text.strip() == "" or text.strip().lower() == "nan":
        return None
    if name in ("date", "ts_id"):
        return int(float(text))
    v = float(text)
    return None if math.isnan(v) else v


def wanted(column):
    """The columns a row carries to the server: date, weight, the features, ts_id (others are left out)."""
    return column.startswith("feature_") or column in ("date", "weight", "ts_id")


def from_csv(args, url):
    answers, waits = [], []
    with open(args.csv, newline="") as f:
        for line, rec in enumerate(csv.DictReader(f), start=2):
            if None in rec or None in rec.values():
                sys.exit(f"kaggle_loop: {args.csv} line {line}: wrong number of fields")
            try:
                row = {k: value(k, v) for k, v in rec.items() if wanted(k)}
            except ValueError as e:
                sys.exit(f"kaggle_loop: {args.csv} line {line}: {e}")
            t0 = time.perf_counter()
            a = post_row(url, row)
            waits.append(time.perf_counter() - t0)
            answers.append((a["ts_id"], a["action"]))
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(args.out)) or ".", suffix=".tmp")
    with os.fdopen(fd, "w") as out:
        out.write("ts_id,action\n")
        out.writelines(f"{t},{a}\n" for t, a in answers)
    os.replace(tmp, args.out)
    waits.sort()
    if waits:
        pick = lambda q: waits[max(0, math.ceil(q * len(waits)) - 1)] * 1e6
        print(f"answered {len(waits)} rows into {args.out}; round trip p50 {pick(0.5):.0f} us, "
              f"p99 {pick(0.99):.0f} us, max {waits[-1] * 1e6:.0f} us")


def on_kaggle(url):
    import janestreet  # only on Kaggle
    env = janestreet.make_env()
    for test_df, sample_prediction_df in env.iter_test():
        rec = test_df.iloc[0].to_dict()
        row = {k: (None if isinstance(v, float) and math.isnan(v) else (int(v) if k in ("date", "ts_id") else float(v)))
               for k, v in rec.items() if wanted(k)}
        row.setdefault("ts_id", int(sample_prediction_df.index[0]))  # the prediction frame is indexed by ts_id
        sample_prediction_df.action = post_row(url, row)["action"]
        env.predict(sample_prediction_df)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", default="http://127.0.0.1:8080/predict", help="kiln serve's /predict")
    p.add_argument("--csv", help="replay this test CSV instead of the janestreet module's loop")
    p.add_argument("--out", default="actions.csv", help="with --csv: where to write ts_id,action")
    args = p.parse_args()
    if args.csv:
        from_csv(args, args.url)
    else:
        on_kaggle(args.url)


if __name__ == "__main__":
    main()
