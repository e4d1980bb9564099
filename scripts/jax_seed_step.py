"""The seed's training step written in JAX, for side-by-side comparisons with Kiln.

Same model and step as Kiln's (`StepGraphs.training` on `Model.seed`): Normalization with adapted statistics,
GaussianNoise(0.1) in training, the Conv1D/BatchNorm residual block, Dense + sigmoid, binary cross-entropy on the
logits averaged over the global batch, Nesterov SGD (Keras's update), BatchNorm moving statistics, and the in-step
metric counters (recall, precision, 200-threshold AUC, loss). Data parallel over devices with shard_map: each device
normalises over its own part of the batch; gradients, metric counts and moving statistics are combined with psum.

Modes:
  tpu-compile  ahead-of-time compile for a TPU topology (libtpu, no TPU attached); prints XLA's cost analysis as
               JSON. Example: --topology v3:2x2 --batch 4096
  export       write the step's StableHLO lowered for another platform with no device (jax.export), e.g. for the
               CUDA plugin's deviceless compile: --platform cuda --batch 512 --dump-stablehlo FILE (one device)
  bench        run the step on this JAX's default backend (CPU or GPU) with state and batch resident; prints
               ms/step and samples/s as JSON. Example: --batch 4096 --steps 50. With --turns, serves timed turns
               after the warm-up instead (scripts/turns.py, for scripts/step_turns.py).
"""
import argparse
import json
import os
import sys
import time

WINDOW, FEATURES, FILTERS, KERNEL = 20, 130, 64, 5
THRESHOLDS = 200


def build(jax, jnp, lax, axis, n_dev):
    """Returns (init_state(key), step(state, x, y, counter)) for one device's share of the batch."""

    def conv(x, w, b):
        y = lax.conv_general_dilated(x, w, window_strides=(1,), padding="SAME",
                                     dimension_numbers=("NWC", "WIO", "NWC"))
        return y + b

    def bn(x, p, prefix, updates):
        m = jnp.mean(x, axis=(0, 1))
        v = jnp.mean(jnp.square(x - m), axis=(0, 1))
        y = (x - m) * lax.rsqrt(v + 1e-3) * p[prefix + "gamma"] + p[prefix + "beta"]
        mean_m, mean_v = lax.psum(m, axis) / n_dev, lax.psum(v, axis) / n_dev
        updates[prefix + "moving_mean"] = 0.99 * p[prefix + "moving_mean"] + 0.01 * mean_m
        updates[prefix + "moving_variance"] = 0.99 * p[prefix + "moving_variance"] + 0.01 * mean_v
        return y

    trainable = ["conv1d/kernel", "conv1d/bias", "conv1d_1/kernel", "conv1d_1/bias", "conv1d_2/kernel",
                 "conv1d_2/bias", "bn/gamma", "bn/beta", "bn_1/gamma", "bn_1/beta", "bn_2/gamma", "bn_2/beta",
                 "dense/kernel", "dense/bias"]

    def forward(tw, fixed, x, key, counter, updates):
        p = {**tw, **fixed}
        x = (x - fixed["norm/mean"]) / jnp.maximum(jnp.sqrt(fixed["norm/variance"]), 1e-7)
        noise_key = jax.random.fold_in(key, counter * n_dev + lax.axis_index(axis))
        x = x + 0.1 * jax.random.normal(noise_key, x.shape, x.dtype)
        skip = bn(conv(x, p["conv1d/kernel"], p["conv1d/bias"]), p, "bn/", updates)
        h = jax.nn.relu(bn(conv(x, p["conv1d_1/kernel"], p["conv1d_1/bias"]), p, "bn_1/", updates))
        h = bn(conv(h, p["conv1d_2/kernel"], p["conv1d_2/bias"]), p, "bn_2/", updates)
        h = jax.nn.relu(skip + h).reshape(x.shape[0], -1)
        return h @ p["dense/kernel"] + p["dense/bias"]

    def init_state(key):
        ks = jax.random.split(key, 4)

        def glorot(k, shape, fan_in, fan_out):
            lim = (6.0 / (fan_in + fan_out)) ** 0.5
            return jax.random.uniform(k, shape, jnp.float32, -lim, lim)

        s = {
            "conv1d/kernel": glorot(ks[0], (KERNEL, FEATURES, FILTERS), KERNEL * FEATURES, KERNEL * FILTERS),
            "conv1d_1/kernel": glorot(ks[1], (KERNEL, FEATURES, FILTERS), KERNEL * FEATURES, KERNEL * FILTERS),
            "conv1d_2/kernel": glorot(ks[2], (KERNEL, FILTERS, FILTERS), KERNEL * FILTERS, KERNEL * FILTERS),
            "dense/kernel": glorot(ks[3], (WINDOW * FILTERS, 1), WINDOW * FILTERS, 1),
            "dense/bias": jnp.zeros((1,)),
            "norm/mean": jnp.zeros((FEATURES,)), "norm/variance": jnp.ones((FEATURES,)),
        }
        for c in ["conv1d", "conv1d_1", "conv1d_2"]:
            s[c + "/bias"] = jnp.zeros((FILTERS,))
        for b in ["bn", "bn_1", "bn_2"]:
            s[b + "/gamma"], s[b + "/beta"] = jnp.ones((FILTERS,)), jnp.zeros((FILTERS,))
            s[b + "/moving_mean"], s[b + "/moving_variance"] = jnp.zeros((FILTERS,)), jnp.ones((FILTERS,))
        for k in trainable:
            s["momentum/" + k] = jnp.zeros_like(s[k])
        for k in ["tp", "fp", "pos", "neg", "loss_sum", "count"]:
            s["metrics/" + k] = jnp.zeros(())
        s["metrics/auc_tp"], s["metrics/auc_fp"] = jnp.zeros((THRESHOLDS,)), jnp.zeros((THRESHOLDS,))
        return s

    thresholds = None

    def step(state, x, y, counter):
        nonlocal thresholds
        if thresholds is None:
            eps = 1e-7
            thresholds = jnp.array([-eps] + [(i + 1) / (THRESHOLDS - 1) for i in range(THRESHOLDS - 2)] + [1 + eps],
                                   jnp.float32)
        key = jax.random.PRNGKey(42)
        tw = {k: state[k] for k in trainable}
        fixed = {k: v for k, v in state.items() if k not in tw and not k.startswith(("momentum/", "metrics/"))}
        global_batch = x.shape[0] * n_dev

        def loss_fn(tw):
            updates = {}
            z = forward(tw, fixed, x, key, counter, updates)
            losses = jnp.maximum(z, 0) - z * y + jnp.log1p(jnp.exp(-jnp.abs(z)))
            return jnp.sum(losses) / global_batch, (z, losses, updates)

        (loss, (z, losses, updates)), grads = jax.value_and_grad(loss_fn, has_aux=True)(tw)
        new = dict(state)
        lr, mu = 0.2, 0.9
        for k in trainable:
            g = lax.psum(grads[k], axis)
            v = mu * state["momentum/" + k] - lr * g
            new["momentum/" + k] = v
            new[k] = state[k] + mu * v - lr * g
        new.update(updates)
        p = lax.stop_gradient(jax.nn.sigmoid(z))
        pos = (y > 0).astype(jnp.float32)
        neg = 1.0 - pos
        pred = (p > 0.5).astype(jnp.float32)
        above = (p > thresholds[None, :]).astype(jnp.float32)
        counts = {"tp": jnp.sum(pred * pos), "fp": jnp.sum(pred * neg), "pos": jnp.sum(pos), "neg": jnp.sum(neg),
                  "loss_sum": jnp.sum(lax.stop_gradient(losses)), "count": jnp.asarray(float(x.shape[0])),
                  "auc_tp": jnp.sum(above * pos, axis=0), "auc_fp": jnp.sum(above * neg, axis=0)}
        for k, c in counts.items():
            new["metrics/" + k] = state["metrics/" + k] + lax.psum(c, axis)
        return new, lax.psum(loss, axis)

    return init_state, step


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["tpu-compile", "export", "bench"])
    ap.add_argument("--platform", default="cuda", help="the platform to lower for (export)")
    ap.add_argument("--topology", default="v3:2x2", help="libtpu topology name (tpu-compile)")
    ap.add_argument("--batch", type=int, default=4096, help="global batch")
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps first (bench)")
    ap.add_argument("--devices", type=int, default=1, help="devices to use (bench)")
    ap.add_argument("--turns", action="store_true", help="serve timed turns on stdin (bench; see scripts/turns.py)")
    ap.add_argument("--dump", help="write the optimized HLO text to this file (tpu-compile)")
    ap.add_argument("--dump-stablehlo", help="write the step's StableHLO to this file (for jax_run_stablehlo.py)")
    a = ap.parse_args()
    if a.mode == "tpu-compile":
        os.environ.setdefault("TPU_SKIP_MDS_QUERY", "1")
        os.environ.setdefault("TPU_WORKER_HOSTNAMES", "localhost")
        os.environ.setdefault("ALLOW_MULTIPLE_LIBTPU_LOAD", "1")
    import jax
    import jax.numpy as jnp
    from jax import lax
    from jax.sharding import NamedSharding, PartitionSpec as P

    if a.mode == "tpu-compile":
        from jax.experimental import topologies
        topo = topologies.get_topology_desc(topology_name=a.topology, platform="tpu")
        devices = topo.devices
        mesh = topologies.make_mesh(topo, (len(devices),), ("d",))
    else:
        devices = jax.devices()[: a.devices]
        mesh = jax.sharding.Mesh(devices, ("d",))
    n = len(devices)
    if a.batch % n:
        sys.exit(f"batch {a.batch} does not split over {n} devices")
    init_state, step = build(jax, jnp, lax, "d", n)
    shard = jax.shard_map(step, mesh=mesh, in_specs=(P(), P("d"), P("d"), P()), out_specs=(P(), P()))
    f = jax.jit(shard, donate_argnums=0)
    state_shapes = jax.eval_shape(init_state, jax.random.PRNGKey(0))
    rep, dat = NamedSharding(mesh, P()), NamedSharding(mesh, P("d"))
    args = (jax.tree.map(lambda s: jax.ShapeDtypeStruct(s.shape, s.dtype, sharding=rep), state_shapes),
            jax.ShapeDtypeStruct((a.batch, WINDOW, FEATURES), jnp.float32, sharding=dat),
            jax.ShapeDtypeStruct((a.batch, 1), jnp.float32, sharding=dat),
            jax.ShapeDtypeStruct((), jnp.uint32, sharding=rep))
    if a.mode == "export":
        if not a.dump_stablehlo:
            sys.exit("export needs --dump-stablehlo FILE")
        exported = jax.export.export(f, platforms=[a.platform])(*args)
        open(a.dump_stablehlo, "w").write(exported.mlir_module())
        print(json.dumps({"engine": "jax " + jax.__version__, "platform": a.platform, "devices": n,
                          "global_batch": a.batch, "stablehlo": a.dump_stablehlo}))
        return
    t0 = time.perf_counter()
    lowered = f.lower(*args)
    if a.dump_stablehlo:
        open(a.dump_stablehlo, "w").write(lowered.as_text())
    compiled = lowered.compile()
    compile_s = time.perf_counter() - t0
    out = {"engine": "jax " + jax.__version__, "devices": n, "global_batch": a.batch, "compile_seconds": compile_s}
    if a.mode == "tpu-compile":
        cost = compiled.cost_analysis()
        cost = cost[0] if isinstance(cost, list) else cost
        secs = cost.get("optimal_seconds")
        if a.dump:
            open(a.dump, "w").write(compiled.as_text())
        out.update({"topology": a.topology, "device_kind": devices[0].device_kind,
                    "cost": {"flops": cost.get("flops"), "bytes_accessed": cost.get("bytes accessed"),
                             "optimal_seconds": secs},
                    "est_samples_per_s": a.batch / secs if secs and secs > 0 else None})
    else:
        state = jax.device_put(init_state(jax.random.PRNGKey(0)), rep)
        x = jax.device_put(jax.random.normal(jax.random.PRNGKey(1), (a.batch, WINDOW, FEATURES)), dat)
        y = jax.device_put((jax.random.uniform(jax.random.PRNGKey(2), (a.batch, 1)) > 0.5).astype(jnp.float32), dat)
        for i in range(max(1, a.warmup)):
            state, loss = compiled(state, x, y, jnp.uint32(i))
        loss.block_until_ready()
        if a.turns:
            from itertools import count
            from turns import serve
            counter = count()  # each step its own noise, as in the timed runs below
            serve(lambda s: compiled(s, x, y, jnp.uint32(next(counter))), state, jax.block_until_ready)
            return
        from turns import median_ms
        ms, state, loss = median_ms(lambda s, k: compiled(s, x, y, jnp.uint32(k)), state, jax.block_until_ready,
                                    a.steps, a.repeats)
        out.update({"platform": devices[0].platform, "device_kind": devices[0].device_kind, "ms_per_step": ms,
                    "samples_per_s": a.batch / (ms / 1e3), "loss": float(loss)})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
