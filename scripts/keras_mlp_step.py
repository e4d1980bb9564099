"""A Keras model's training step in TensorFlow/tf_keras on the CPU, for side-by-side comparisons with Kiln.

Builds the model from a model.json (default: the competitors' starter MLP, ops/src/test/resources/keras/starter_mlp.json)
with tf_keras.models.model_from_json and compiles it as `kiln train --model FILE --optimizer adam` trains it: Adam
(lr 1e-3, Keras's epsilon 1e-7), BinaryCrossentropy, and the metrics Kiln's step keeps (AUC with 200 thresholds,
precision, recall), jit_compile off (TensorFlow's graph executor, as a Keras user runs it by default). The step timed
is Keras's own train function (model.make_train_function(), what fit() calls each step) on one batch of Gaussian
features and coin-flip labels kept in memory as a repeated tf.data dataset, so no input pipeline is timed; the loss is
read back (waiting for the step) only at the end of each run or turn.

Usage (the venv from scripts/keras-venv.sh):
  keras_mlp_step.py --batch 4096 --steps 50                prints ms/step and samples/s as JSON
  keras_mlp_step.py --batch 4096 --warmup 20 --turns       serves timed turns (scripts/turns.py, scripts/step_turns.py)
  keras_mlp_step.py --reference REF.npz     writes a reference for `jax_mlp_step.py check` (the JAX venv): a seeded
                                            batch of 256, the weights before and after 3 train_on_batch steps with
                                            dropout off, and their losses
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
HERE = os.path.dirname(os.path.abspath(__file__))
STARTER = os.path.join(HERE, "..", "ops", "src", "test", "resources", "keras", "starter_mlp.json")


def write_reference(model, path, np, features, units, batch=256, steps=3):
    """The weights before and after steps train_on_batch steps on a seeded batch, and the steps' losses."""
    rnd = np.random.default_rng(3)
    x = rnd.normal(size=(batch, features)).astype(np.float32)
    y = (rnd.uniform(size=(batch, units)) > 0.5).astype(np.float32)
    before = [w.numpy() for w in model.weights]
    losses = [float(model.train_on_batch(x, y)[0]) for _ in range(steps)]
    after = [w.numpy() for w in model.weights]
    np.savez(path, x=x, y=y, losses=np.array(losses), **{"before_%d" % i: w for i, w in enumerate(before)},
             **{"after_%d" % i: w for i, w in enumerate(after)})
    print(json.dumps({"reference": path, "steps": steps, "losses": losses}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=STARTER, help="a Keras model.json taking rows of 130 features")
    ap.add_argument("--batch", type=int, default=4096)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    ap.add_argument("--turns", action="store_true", help="serve timed turns on stdin (see scripts/turns.py)")
    ap.add_argument("--reference", metavar="FILE.npz", help="write a reference for jax_mlp_step.py check instead")
    a = ap.parse_args()
    if a.batch < 1 or a.steps < 1 or a.repeats < 1 or a.warmup < 0:
        ap.error("--batch, --steps and --repeats must be at least 1, --warmup at least 0")
    import numpy as np
    import tensorflow as tf
    import tf_keras

    config = json.load(open(a.model))
    if a.reference:
        for layer in config["config"]["layers"]:  # dropout off: the two engines draw different masks
            if layer["class_name"] == "Dropout":
                layer["config"]["rate"] = 0.0
    model = tf_keras.models.model_from_json(json.dumps(config))
    if len(model.input_shape) != 2:
        sys.exit("keras_mlp_step: %s takes %s, not rows [None, 130]" % (a.model, model.input_shape))
    features, units = model.input_shape[1], model.output_shape[1]
    model.compile(optimizer=tf_keras.optimizers.Adam(learning_rate=1e-3),
                  loss=tf_keras.losses.BinaryCrossentropy(),
                  metrics=[tf_keras.metrics.AUC(name="auc"), tf_keras.metrics.Precision(name="precision"),
                           tf_keras.metrics.Recall(name="recall")],
                  jit_compile=False)
    if a.reference:
        write_reference(model, a.reference, np, features, units)
        return
    rnd = np.random.default_rng(7)
    x = rnd.normal(size=(a.batch, features)).astype(np.float32)
    y = (rnd.uniform(size=(a.batch, units)) > 0.5).astype(np.float32)
    batches = iter(tf.data.Dataset.from_tensors((x, y)).repeat())
    train = model.make_train_function()
    t0 = time.perf_counter()
    for _ in range(max(1, a.warmup)):
        logs = train(batches)
    float(logs["loss"])
    warm_s = time.perf_counter() - t0
    if a.turns:
        from turns import serve
        serve(lambda s: (s, train(batches)), None, lambda logs: float(logs["loss"]))
        return
    runs = []
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        for _ in range(a.steps):
            logs = train(batches)
        float(logs["loss"])
        runs.append((time.perf_counter() - t0) / a.steps)
    ms = sorted(runs)[len(runs) // 2] * 1e3
    print(json.dumps({"engine": "tf_keras %s, tensorflow %s" % (tf_keras.__version__, tf.__version__),
                      "model": os.path.basename(a.model), "global_batch": a.batch, "warmup_seconds": warm_s,
                      "ms_per_step": ms, "samples_per_s": a.batch / (ms / 1e3), "loss": float(logs["loss"])}))


if __name__ == "__main__":
    main()
