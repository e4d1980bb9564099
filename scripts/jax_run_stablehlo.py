"""Times a StableHLO program (a Kiln training step dumped with KILN_DUMP_STABLEHLO) compiled by JAX's own XLA on
this CPU, as Kiln runs it: donated arguments fed back from the outputs they alias, the other arguments resident,
steps enqueued back to back and waited for at the end of each run. Beside `kiln bench --backend pjrt:cpu` on the same
program, the difference is the XLA version and client/compile options of the xla-cpu-pjrt plugin against JAX's;
beside JAX's own step (scripts/jax_seed_step.py bench), the difference is Kiln's lowering.

Usage: jax_run_stablehlo.py MODULE.mlir [--steps N] [--repeats R] [--warmup W] [--turns]; prints one JSON line, or
with --turns serves timed turns after the warm-up (scripts/turns.py, for scripts/step_turns.py)."""
import argparse
import json
import os
import re
import time

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np  # noqa: E402
import jax  # noqa: E402
from jax._src import xla_bridge  # noqa: E402
from jax._src.lib import _jax  # noqa: E402

DTYPES = {"f32": np.float32, "f64": np.float64, "i32": np.int32, "ui32": np.uint32, "i1": np.bool_}


def signature(text):
    """The main function's arguments: (shape, dtype, aliased output index or None), in order."""
    head = text[text.index("func.func public @main("):]
    head = head[:head.index("->")]
    pieces = re.split(r"%arg\d+: ", head)[1:]
    args = []
    for piece in pieces:
        t = re.match(r"tensor<([^>]*)>", piece).group(1)
        parts = t.split("x")
        dims, dt = [int(q) for q in parts[:-1]], parts[-1]
        alias = re.search(r"tf\.aliasing_output = (\d+)", piece)
        args.append((tuple(dims), DTYPES[dt], int(alias.group(1)) if alias else None))
    return args


def main():
    p = argparse.ArgumentParser()
    p.add_argument("module")
    p.add_argument("--steps", type=int, default=12)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--turns", action="store_true", help="serve timed turns on stdin (see scripts/turns.py)")
    a = p.parse_args()
    text = open(a.module).read()
    sig = signature(text)
    backend = xla_bridge.get_backend("cpu")
    dev = backend.local_devices()[0]
    t0 = time.perf_counter()
    exe = backend.compile_and_load(text.encode(), _jax.DeviceList((dev,)), _jax.CompileOptions())
    compile_s = time.perf_counter() - t0
    rng = np.random.default_rng(7)
    host = []
    for dims, dt, _ in sig:
        if dt == np.float32 or dt == np.float64:
            host.append((rng.standard_normal(dims) * 0.1).astype(dt))
        elif dt == np.bool_:
            host.append(np.zeros(dims, dt))
        else:
            host.append(np.ones(dims, dt))
    args = [jax.device_put(h, dev) for h in host]

    def step(args):
        outs = exe.execute(args)
        nxt = list(args)
        for i, (_, _, alias) in enumerate(sig):
            if alias is not None:
                nxt[i] = outs[alias]
        return nxt, outs

    for _ in range(a.warmup):
        args, outs = step(args)
    jax.block_until_ready(outs)
    if a.turns:
        from turns import serve
        serve(step, args, jax.block_until_ready)
        return
    per = max(1, a.steps // a.repeats)
    runs = []
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        for _ in range(per):
            args, outs = step(args)
        jax.block_until_ready(outs)
        runs.append((time.perf_counter() - t0) * 1e3 / per)
    ms = float(np.median(runs))
    print(json.dumps({"engine": "kiln stablehlo on jax " + jax.__version__ + " xla", "module": a.module,
                      "compile_seconds": compile_s, "ms_per_step": ms, "runs_ms": runs}))


if __name__ == "__main__":
    main()
