"""Writes what Kiln's optimizers, learning-rate schedules and fit callbacks are checked against, computed by tf_keras
2.21 itself. Run with the venv from scripts/keras-venv.sh:
  python scripts/keras_optimizer_fixtures.py ops/src/test/resources/keras/optimizers.json \
      train/src/test/resources/keras/callbacks.json

optimizers.json: for each case, an optimizer (and schedule), two variables' initial values, three steps' gradients,
and the variables after each step as apply_gradients leaves them, with the learning rate each step used.
callbacks.json: for each case, a callback and a scripted sequence of epoch logs; after each epoch, whether fit
stops, the optimizer's learning rate and whether ModelCheckpoint(save_best_only) saved; and EarlyStopping's best
epoch.
"""
import json
import os
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402
from tf_keras.optimizers import schedules  # noqa: E402

SHAPES = {"dense/kernel": (3, 2), "dense/bias": (2,)}


def schedule(spec):
    if spec is None:
        return None
    kind = spec["class_name"]
    if kind == "ExponentialDecay":
        return schedules.ExponentialDecay(spec["initial"], spec["decay_steps"], spec["decay_rate"], spec["staircase"])
    if kind == "CosineDecay":
        return schedules.CosineDecay(spec["initial"], spec["decay_steps"], alpha=spec["alpha"],
                                     warmup_target=spec.get("warmup_target"), warmup_steps=spec.get("warmup_steps", 0))
    return schedules.PiecewiseConstantDecay(spec["boundaries"], spec["values"])


def optimizer(spec, lr):
    kind, a = spec["kind"], spec
    if kind == "sgd":
        return keras.optimizers.SGD(lr, momentum=a["momentum"], nesterov=a["nesterov"])
    if kind == "adam":
        return keras.optimizers.Adam(lr, beta_1=a["beta_1"], beta_2=a["beta_2"], epsilon=a["epsilon"],
                                     amsgrad=a["amsgrad"])
    if kind == "adamw":
        return keras.optimizers.AdamW(lr, weight_decay=a["weight_decay"], beta_1=a["beta_1"], beta_2=a["beta_2"],
                                      epsilon=a["epsilon"], amsgrad=a["amsgrad"])
    return keras.optimizers.RMSprop(lr, rho=a["rho"], momentum=a["momentum"], epsilon=a["epsilon"],
                                    centered=a["centered"])


def optimizer_case(name, spec, lr, sched=None):
    rng = np.random.RandomState(len(name) * 7919)
    initial = {k: rng.uniform(-1, 1, s).astype(np.float32) for k, s in SHAPES.items()}
    # Gradients shrink at the third step so that AMSGrad's running maximum differs from v.
    grads = [{k: (rng.normal(0, 1, s) * (0.1 if step == 2 else 1)).astype(np.float32) for k, s in SHAPES.items()}
             for step in range(3)]
    variables = {k: tf.Variable(v) for k, v in initial.items()}
    sch = schedule(sched)
    opt = optimizer(spec, sch if sch is not None else lr)
    after, lrs = [], []
    for g in grads:
        lrs.append(float(sch(opt.iterations)) if sch is not None else float(np.float32(lr)))
        opt.apply_gradients([(tf.constant(g[k]), variables[k]) for k in SHAPES])
        after.append({k: variables[k].numpy().ravel().tolist() for k in SHAPES})
    flat = lambda d: {k: np.asarray(v).ravel().tolist() for k, v in d.items()}
    return {"name": name, "optimizer": spec, "learning_rate": lr, "schedule": sched,
            "shapes": {k: list(s) for k, s in SHAPES.items()}, "initial": flat(initial),
            "gradients": [flat(g) for g in grads], "after": after, "lr": lrs}


def optimizer_cases():
    sgd = lambda m, n: {"kind": "sgd", "momentum": m, "nesterov": n}
    adam = lambda b1, b2, eps, ams: {"kind": "adam", "beta_1": b1, "beta_2": b2, "epsilon": eps, "amsgrad": ams}
    rms = lambda rho, m, eps, c: {"kind": "rmsprop", "rho": rho, "momentum": m, "epsilon": eps, "centered": c}
    adamw = dict(adam(0.9, 0.999, 1e-7, False), kind="adamw", weight_decay=0.1)
    exp = lambda st: {"class_name": "ExponentialDecay", "initial": 0.1, "decay_steps": 2, "decay_rate": 0.5,
                      "staircase": st}
    return [
        optimizer_case("sgd_nesterov", sgd(0.9, True), 0.2),
        optimizer_case("sgd_momentum", sgd(0.5, False), 0.05),
        optimizer_case("sgd_plain", sgd(0.0, False), 0.1),
        optimizer_case("adam", adam(0.9, 0.999, 1e-7, False), 0.01),
        optimizer_case("adam_amsgrad", adam(0.8, 0.99, 1e-6, True), 0.01),
        optimizer_case("adamw", adamw, 0.01),
        optimizer_case("adamw_amsgrad", dict(adamw, amsgrad=True), 0.02),
        optimizer_case("rmsprop", rms(0.9, 0.0, 1e-7, False), 0.01),
        optimizer_case("rmsprop_momentum", rms(0.9, 0.9, 1e-7, False), 0.01),
        optimizer_case("rmsprop_centered_momentum", rms(0.8, 0.5, 1e-6, True), 0.01),
        optimizer_case("sgd_exponential", sgd(0.9, True), 0.1, exp(False)),
        optimizer_case("sgd_exponential_staircase", sgd(0.9, True), 0.1, exp(True)),
        optimizer_case("adam_cosine", adam(0.9, 0.999, 1e-7, False), 0.1,
                       {"class_name": "CosineDecay", "initial": 0.1, "decay_steps": 2, "alpha": 0.1}),
        optimizer_case("sgd_cosine_warmup", sgd(0.9, False), 0.01,
                       {"class_name": "CosineDecay", "initial": 0.01, "decay_steps": 2, "alpha": 0.2,
                        "warmup_steps": 1, "warmup_target": 0.1}),
        optimizer_case("rmsprop_piecewise", rms(0.9, 0.0, 1e-7, False), 0.1,
                       {"class_name": "PiecewiseConstantDecay", "boundaries": [0, 1], "values": [0.1, 0.05, 0.01]}),
    ]


LOGS = {
    "val_loss": [0.70, 0.65, 0.648, 0.66, 0.64, 0.645, 0.63, 0.70, 0.71, 0.72, 0.73, 0.74],
    "val_auc": [0.50, 0.55, 0.56, 0.555, 0.57, 0.569, 0.58, 0.575, 0.574, 0.59, 0.585, 0.58],
}


def callback_case(name, kind, args, lr=0.1):
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer=keras.optimizers.SGD(lr), loss="mse")
    saved = []
    tmp = tempfile.mkdtemp()
    if kind == "EarlyStopping":
        cb = keras.callbacks.EarlyStopping(**args)
    elif kind == "ReduceLROnPlateau":
        cb = keras.callbacks.ReduceLROnPlateau(**args)
    else:
        cb = keras.callbacks.ModelCheckpoint(os.path.join(tmp, "best.h5"), save_best_only=True, **args)
    cb.set_model(model)
    model.stop_training = False
    cb.on_train_begin()
    epochs = []
    for epoch in range(len(LOGS["val_loss"])):
        logs = {k: v[epoch] for k, v in LOGS.items()}
        if kind == "ModelCheckpoint":
            cb._save_handler = lambda fp, e=epoch: saved.append(e)
        cb.on_epoch_end(epoch, logs)
        epochs.append({"stop": bool(model.stop_training), "lr": float(model.optimizer.learning_rate.numpy()),
                       "saved": epoch in saved})
        if model.stop_training:
            break
    out = {"name": name, "callback": kind, "args": args, "initial_lr": lr, "epochs": epochs}
    if kind == "EarlyStopping":
        out["best_epoch"] = int(cb.best_epoch)
        out["stopped_epoch"] = int(cb.stopped_epoch)
    return out


def callback_cases():
    es, rlr, mc = "EarlyStopping", "ReduceLROnPlateau", "ModelCheckpoint"
    return {"logs": LOGS, "cases": [
        callback_case("es_loss_delta_restore", es,
                      {"monitor": "val_loss", "patience": 2, "min_delta": 0.01, "restore_best_weights": True}),
        callback_case("es_loss_patience3", es, {"monitor": "val_loss", "patience": 3}),
        callback_case("es_auc_auto_patience2", es, {"monitor": "val_auc", "patience": 2}),
        callback_case("es_auc_auto_delta", es, {"monitor": "val_auc", "patience": 1, "min_delta": 0.005}),
        callback_case("es_loss_patience0", es, {"monitor": "val_loss", "patience": 0}),
        callback_case("es_loss_baseline", es, {"monitor": "val_loss", "patience": 2, "baseline": 0.645}),
        callback_case("es_auc_baseline_never", es, {"monitor": "val_auc", "patience": 4, "baseline": 0.6}),
        callback_case("es_auc_min", es, {"monitor": "val_auc", "patience": 3, "mode": "min"}),
        callback_case("rlr_loss", rlr, {"monitor": "val_loss", "factor": 0.5, "patience": 1, "min_lr": 0.03,
                                        "cooldown": 1}),
        callback_case("rlr_loss_cooldown2", rlr, {"monitor": "val_loss", "factor": 0.3, "patience": 1,
                                                  "cooldown": 2, "min_delta": 0.0}),
        callback_case("rlr_auc_max", rlr, {"monitor": "val_auc", "factor": 0.2, "patience": 1, "mode": "max",
                                           "min_delta": 0.002}),
        callback_case("rlr_auc_auto", rlr, {"monitor": "val_auc", "factor": 0.1, "patience": 2}),
        callback_case("mc_auc_max", mc, {"monitor": "val_auc", "mode": "max"}),
        callback_case("mc_auc_auto", mc, {"monitor": "val_auc"}),
        callback_case("mc_loss_auto", mc, {"monitor": "val_loss"}),
    ]}


def write(path, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump(value, f, indent=1)
        f.write("\n")
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    write(sys.argv[1], optimizer_cases())
    write(sys.argv[2], callback_cases())
