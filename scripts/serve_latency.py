#!/usr/bin/env python3
"""Round trips to a running `kiln serve` on one keep-alive connection (standard library only).

Posts the rows of a CSV in example_test.csv's schema to /predict one at a time, in file order, each body encoded
before the clock starts; the time is from sending the request to having read and parsed the answer. The file's first
--warmup rows are sent untimed first, then every row is timed. Prints one JSON line: p50, p99 and max round trip in microseconds (nearest rank).
  python3 scripts/serve_latency.py --port PORT --csv test.csv [--rows 2000] [--warmup 500]
"""
import argparse
import csv
import http.client
import json
import math
import time


def bodies(path, limit):
    out = []
    with open(path) as f:
        for i, row in enumerate(csv.DictReader(f)):
            if i == limit:
                break
            obj = {}
            for k, v in row.items():
                v = v.strip()
                obj[k] = None if v in ("", "nan", "NaN") else (int(v) if k in ("date", "ts_id") else float(v))
            out.append(json.dumps(obj, allow_nan=False).encode())
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--csv", required=True)
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=500)
    a = ap.parse_args()
    rows = bodies(a.csv, a.rows)
    conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=30)
    headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
    ns = []
    for i, body in enumerate(rows[:a.warmup] + rows):
        t0 = time.perf_counter_ns()
        conn.request("POST", "/predict", body, headers)
        r = conn.getresponse()
        answer = json.loads(r.read())
        t1 = time.perf_counter_ns()
        if r.status != 200:
            raise SystemExit(f"serve_latency: row {i}: {r.status} {answer}")
        if i >= a.warmup:
            ns.append(t1 - t0)
    s = sorted(ns)
    rank = lambda q: s[max(0, math.ceil(q * len(s)) - 1)]
    print(json.dumps({"path": "kiln serve round trip (keep-alive)", "p50_us": rank(0.5) / 1e3,
                      "p99_us": rank(0.99) / 1e3, "max_us": s[-1] / 1e3, "rows": len(s)}), flush=True)


if __name__ == "__main__":
    main()
