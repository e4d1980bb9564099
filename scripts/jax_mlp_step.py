"""The competitors' starter MLP's training step written in JAX, for side-by-side comparisons with Kiln.

Same model and step as `kiln train --model ops/src/test/resources/keras/starter_mlp.json --targets
resp_1,resp_2,resp_3,resp,resp_4 --optimizer adam` (built by starter_mlp() in scripts/keras_fixtures.py): rows of 130
features, BatchNormalization and Dropout(0.2) on the row, four blocks of Dense (384, 896, 896, 394), BatchNormalization,
swish and Dropout(0.2), then Dense(5) and sigmoid. Keras's initialisation (Glorot-uniform kernels, zero biases, BN's
gamma 1, beta 0, moving mean 0, moving variance 1); BatchNormalization in training mode (the batch's mean and biased
variance, epsilon 1e-3, moving statistics with momentum 0.99); dropout drawn per step; binary cross-entropy on the
logits (as tf_keras computes it behind a sigmoid) averaged over the units and the batch; Keras's Adam (lr 1e-3,
beta_1 0.9, beta_2 0.999, epsilon 1e-7, bias correction folded into the rate); and the in-step metric counters Kiln's
step keeps too (recall, precision, 200-threshold AUC, loss). One device; the jitted step keeps its state resident and
donates it.

Usage (the venv from scripts/jax-venv.sh):
  jax_mlp_step.py bench --batch 4096 --steps 50        prints ms/step and samples/s as JSON
  jax_mlp_step.py bench --batch 4096 --warmup 20 --turns   serves timed turns (scripts/turns.py, scripts/step_turns.py)
  jax_mlp_step.py check REF.npz    runs this step, dropout off, from the weights and batch of a reference written by
                                   `keras_mlp_step.py --reference REF.npz` (the Keras venv) and compares the losses
                                   and weights after its steps with tf_keras's train_on_batch; exit 1 past --tol
"""
import argparse
import json
import time

FEATURES, TARGETS, UNITS, RATE = 130, 5, (384, 896, 896, 394), 0.2
THRESHOLDS = 200
BN_MOMENTUM, BN_EPSILON = 0.99, 1e-3
LR, BETA1, BETA2, ADAM_EPSILON = 1e-3, 0.9, 0.999, 1e-7


def build(jax, jnp, lax, rate=RATE):
    """Returns (init_state(key), step(state, x, y, counter)); rate: the dropout rate."""
    dense = ["dense"] + ["dense_%d" % i for i in range(1, len(UNITS) + 1)]
    bns = ["bn"] + ["bn_%d" % i for i in range(1, len(UNITS) + 1)]
    trainable = [d + s for d in dense for s in ("/kernel", "/bias")] + [b + s for b in bns for s in ("/gamma", "/beta")]

    def bn(x, p, name, updates):
        m = jnp.mean(x, axis=0)
        v = jnp.mean(jnp.square(x - m), axis=0)
        updates[name + "/moving_mean"] = BN_MOMENTUM * p[name + "/moving_mean"] + (1 - BN_MOMENTUM) * m
        updates[name + "/moving_variance"] = BN_MOMENTUM * p[name + "/moving_variance"] + (1 - BN_MOMENTUM) * v
        return (x - m) * lax.rsqrt(v + BN_EPSILON) * p[name + "/gamma"] + p[name + "/beta"]

    def dropout(x, key):
        if rate == 0:
            return x
        keep = jax.random.bernoulli(key, 1 - rate, x.shape)
        return jnp.where(keep, x / (1 - rate), 0.0)

    def forward(p, x, key, updates):
        keys = jax.random.split(key, len(UNITS) + 1)
        h = dropout(bn(x, p, bns[0], updates), keys[0])
        for i in range(len(UNITS)):
            h = h @ p[dense[i] + "/kernel"] + p[dense[i] + "/bias"]
            h = jax.nn.swish(bn(h, p, bns[i + 1], updates))
            h = dropout(h, keys[i + 1])
        return h @ p[dense[-1] + "/kernel"] + p[dense[-1] + "/bias"]

    def init_state(key):
        ks = jax.random.split(key, len(dense))
        s, fan_in = {}, FEATURES
        for k, name, units in zip(ks, dense, UNITS + (TARGETS,)):
            lim = (6.0 / (fan_in + units)) ** 0.5
            s[name + "/kernel"] = jax.random.uniform(k, (fan_in, units), jnp.float32, -lim, lim)
            s[name + "/bias"] = jnp.zeros((units,))
            fan_in = units
        for name, width in zip(bns, (FEATURES,) + UNITS):
            s[name + "/gamma"], s[name + "/beta"] = jnp.ones((width,)), jnp.zeros((width,))
            s[name + "/moving_mean"], s[name + "/moving_variance"] = jnp.zeros((width,)), jnp.ones((width,))
        for k in trainable:
            s["m/" + k], s["v/" + k] = jnp.zeros_like(s[k]), jnp.zeros_like(s[k])
        s["iterations"] = jnp.zeros(())
        for k in ["tp", "fp", "pos", "neg", "loss_sum", "count"]:
            s["metrics/" + k] = jnp.zeros(())
        s["metrics/auc_tp"], s["metrics/auc_fp"] = jnp.zeros((THRESHOLDS,)), jnp.zeros((THRESHOLDS,))
        return s

    eps = 1e-7
    thresholds = [-eps] + [(i + 1) / (THRESHOLDS - 1) for i in range(THRESHOLDS - 2)] + [1 + eps]

    def step(state, x, y, counter):
        key = jax.random.fold_in(jax.random.PRNGKey(42), counter)
        tw = {k: state[k] for k in trainable}
        fixed = {k: v for k, v in state.items() if k.endswith(("/moving_mean", "/moving_variance"))}

        def loss_fn(tw):
            updates = {}
            z = forward({**tw, **fixed}, x, key, updates)
            losses = jnp.mean(jnp.maximum(z, 0) - z * y + jnp.log1p(jnp.exp(-jnp.abs(z))), axis=-1)
            return jnp.mean(losses), (z, losses, updates)

        (loss, (z, losses, updates)), grads = jax.value_and_grad(loss_fn, has_aux=True)(tw)
        new = dict(state)
        t = state["iterations"] + 1
        lr_t = LR * jnp.sqrt(1 - BETA2 ** t) / (1 - BETA1 ** t)
        for k in trainable:
            g = grads[k]
            m = BETA1 * state["m/" + k] + (1 - BETA1) * g
            v = BETA2 * state["v/" + k] + (1 - BETA2) * jnp.square(g)
            new["m/" + k], new["v/" + k] = m, v
            new[k] = state[k] - lr_t * m / (jnp.sqrt(v) + ADAM_EPSILON)
        new["iterations"] = t
        new.update(updates)
        p = lax.stop_gradient(jax.nn.sigmoid(z)).reshape(-1)
        pos = (y.reshape(-1) > 0).astype(jnp.float32)
        neg = 1.0 - pos
        pred = (p > 0.5).astype(jnp.float32)
        above = (p[:, None] > jnp.array(thresholds, jnp.float32)[None, :]).astype(jnp.float32)
        counts = {"tp": jnp.sum(pred * pos), "fp": jnp.sum(pred * neg), "pos": jnp.sum(pos), "neg": jnp.sum(neg),
                  "loss_sum": jnp.sum(lax.stop_gradient(losses)), "count": jnp.asarray(float(x.shape[0])),
                  "auc_tp": jnp.sum(above * pos[:, None], axis=0), "auc_fp": jnp.sum(above * neg[:, None], axis=0)}
        for k, c in counts.items():
            new["metrics/" + k] = state["metrics/" + k] + c
        return new, loss

    return init_state, step


def keras_order():
    """The state names in the order of tf_keras's model.weights for the starter MLP: each BN, then each Dense."""
    names = []
    for i in range(len(UNITS) + 1):
        bn, dense = "bn" + ("_%d" % i if i else ""), "dense" + ("_%d" % i if i else "")
        names += [bn + "/gamma", bn + "/beta", bn + "/moving_mean", bn + "/moving_variance", dense + "/kernel",
                  dense + "/bias"]
    return names


def check(jax, jnp, lax, path, tol):
    """Runs the reference's steps from its weights and batch, dropout off; returns the exit status."""
    import numpy as np
    ref = np.load(path)
    init_state, step = build(jax, jnp, lax, rate=0.0)
    state = init_state(jax.random.PRNGKey(0))
    for i, name in enumerate(keras_order()):
        w = ref["before_%d" % i]
        if state[name].shape != w.shape:
            raise SystemExit("jax_mlp_step: %s is %s in the reference, %s here" % (name, w.shape, state[name].shape))
        state[name] = jnp.asarray(w)
    f, x, y, losses = jax.jit(step), jnp.asarray(ref["x"]), jnp.asarray(ref["y"]), []
    for i in range(len(ref["losses"])):
        state, loss = f(state, x, y, jnp.uint32(i))
        losses.append(float(loss))
    dl = float(np.max(np.abs(np.array(losses) - ref["losses"])))
    dw = max(float(np.max(np.abs(np.asarray(state[n]) - ref["after_%d" % i]))) for i, n in enumerate(keras_order()))
    print(json.dumps({"steps": len(losses), "jax_losses": losses, "keras_losses": ref["losses"].tolist(),
                      "max_loss_diff": dl, "max_weight_diff": dw, "tol": tol}))
    return 0 if dl <= tol and dw <= tol else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["bench", "check"])
    ap.add_argument("reference", nargs="?", help="check: the .npz keras_mlp_step.py --reference wrote")
    ap.add_argument("--tol", type=float, default=1e-4, help="check: largest loss and weight difference")
    ap.add_argument("--batch", type=int, default=4096)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    ap.add_argument("--turns", action="store_true", help="serve timed turns on stdin (see scripts/turns.py)")
    a = ap.parse_args()
    if a.batch < 1 or a.steps < 1 or a.repeats < 1 or a.warmup < 0:
        ap.error("--batch, --steps and --repeats must be at least 1, --warmup at least 0")
    import jax
    import jax.numpy as jnp
    from jax import lax

    if a.mode == "check":
        if not a.reference:
            ap.error("check needs the reference .npz")
        raise SystemExit(check(jax, jnp, lax, a.reference, a.tol))
    init_state, step = build(jax, jnp, lax)
    t0 = time.perf_counter()
    f = jax.jit(step, donate_argnums=0)
    state = init_state(jax.random.PRNGKey(0))
    x = jax.random.normal(jax.random.PRNGKey(1), (a.batch, FEATURES))
    y = (jax.random.uniform(jax.random.PRNGKey(2), (a.batch, TARGETS)) > 0.5).astype(jnp.float32)
    compiled = f.lower(state, x, y, jnp.uint32(0)).compile()
    compile_s = time.perf_counter() - t0
    for i in range(max(1, a.warmup)):
        state, loss = compiled(state, x, y, jnp.uint32(i))
    loss.block_until_ready()
    if a.turns:
        from itertools import count
        from turns import serve
        counter = count(max(1, a.warmup))  # each step its own dropout masks
        serve(lambda s: compiled(s, x, y, jnp.uint32(next(counter))), state, jax.block_until_ready)
        return
    from turns import median_ms
    ms, state, loss = median_ms(lambda s, k: compiled(s, x, y, jnp.uint32(k)), state, jax.block_until_ready,
                                a.steps, a.repeats)
    d = jax.devices()[0]
    print(json.dumps({"engine": "jax " + jax.__version__, "model": "starter mlp", "platform": d.platform,
                      "device_kind": d.device_kind, "global_batch": a.batch, "compile_seconds": compile_s,
                      "ms_per_step": ms, "samples_per_s": a.batch / (ms / 1e3), "loss": float(loss)}))


if __name__ == "__main__":
    main()
