"""Keras model.save() files for Kiln's model.h5 reader (KerasSavedModelTest): compiled models as competitors saved
them, with each weight's sum beside them so the reader's values can be checked, models compiled with settings
Kiln refuses, and trained models whose optimizer state Kiln must continue from. Run with the venv from scripts/keras-venv.sh:
  python scripts/keras_saved_fixtures.py OUT_DIR
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import tf_keras as keras  # noqa: E402
from tf_keras import layers  # noqa: E402


def row_mlp(activation="sigmoid"):
    inp = layers.Input(shape=(130,))
    x = layers.BatchNormalization()(inp)
    x = layers.Dense(16, activation="swish")(x)
    x = layers.Dropout(0.2)(x)
    out = layers.Dense(5, activation=activation, name="action")(x)
    return keras.Model(inp, out)


def ae_mlp():
    """The supervised autoencoder MLP of the best Jane Street public solution (keras_fixtures.autoencoder), compiled
    as its notebook compiled it: a dict of losses and a dict of metrics, MeanAbsoluteError on the decoder."""
    from keras_fixtures import autoencoder
    m = autoencoder()
    m.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
              loss={"decoder": keras.losses.MeanSquaredError(),
                    "ae_action": keras.losses.BinaryCrossentropy(label_smoothing=1e-2),
                    "action": keras.losses.BinaryCrossentropy(label_smoothing=1e-2)},
              metrics={"decoder": keras.metrics.MeanAbsoluteError(name="MAE"),
                       "ae_action": keras.metrics.AUC(name="AUC"),
                       "action": keras.metrics.AUC(name="AUC")})
    return m


def logits_check(m, out, name):
    """Rows, labels, the model's logits on them (inference) and Keras's from-logits loss, for Kiln to reproduce."""
    import numpy as np
    rng = np.random.default_rng(3)
    x = rng.normal(size=(6, 130)).astype("float32")
    y = (rng.random((6, 5)) < 0.5).astype("float32")
    logits = m(x, training=False).numpy()
    loss = float(m.loss(y, logits).numpy())
    with open(os.path.join(out, name + ".check.json"), "w") as f:
        json.dump({"x": x.tolist(), "y": y.tolist(), "logits": logits.tolist(), "loss": loss}, f)


def save(m, out, name):
    m.save(os.path.join(out, name + ".h5"))
    sums = {w.name: float(w.numpy().astype("float64").sum()) for w in m.weights}
    with open(os.path.join(out, name + ".sums.json"), "w") as f:
        json.dump(sums, f)


def trained(m, out, name):
    """m after three fit steps, saved with its optimizer's state; then one more update from fixed gradients, whose
    result Kiln must reproduce from the file."""
    import numpy as np
    import tensorflow as tf
    rng = np.random.default_rng(11)
    x = rng.normal(size=(48, 130)).astype("float32")
    y = (rng.random((48, 5)) < 0.5).astype("float32")
    m.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    m.save(os.path.join(out, name + ".h5"))
    grads = [rng.normal(size=v.shape).astype("float32") for v in m.trainable_variables]
    m.optimizer.apply_gradients(zip([tf.constant(g) for g in grads], m.trainable_variables))
    names = [v.name[:-2] for v in m.trainable_variables]
    with open(os.path.join(out, name + ".step.json"), "w") as f:
        json.dump({"iterations": int(m.optimizer.iterations.numpy()),
                   "gradients": {n: g.ravel().tolist() for n, g in zip(names, grads)},
                   "after": {n: v.numpy().ravel().tolist() for n, v in zip(names, m.trainable_variables)}}, f)


def without(src, dst, prefix):
    """A copy of the model.h5 src whose optimizer state lacks the first slot named from prefix, as a hand-edited
    file might."""
    import shutil
    import h5py
    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:
        g = f["optimizer_weights"]
        weight = next(n for n in g.attrs["weight_names"] if n.startswith(prefix))
        del g[weight]
        g.attrs["weight_names"] = [n for n in g.attrs["weight_names"] if n != weight]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    keras.utils.set_random_seed(5)
    m = row_mlp()
    m.layers[1].set_weights([w + 0.25 for w in m.layers[1].get_weights()])  # BN statistics away from 0 and 1
    sch = keras.optimizers.schedules.ExponentialDecay(1e-3, 100, 0.9, staircase=True)
    m.compile(optimizer=keras.optimizers.Adam(sch, epsilon=1e-6, amsgrad=True),
              loss=keras.losses.BinaryCrossentropy(label_smoothing=0.01),
              metrics=[keras.metrics.AUC(name="AUC"), "Precision"])
    save(m, out, "adam")
    m = row_mlp()
    m.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9, nesterov=True), loss="binary_crossentropy")
    save(m, out, "sgd")
    m = row_mlp()
    m.compile(optimizer=keras.optimizers.Adam(1e-3, clipnorm=1.0), loss="binary_crossentropy")
    save(m, out, "clipnorm")
    m = row_mlp()
    m.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    save(m, out, "accuracy")
    m = row_mlp()
    save(m, out, "uncompiled")
    m = row_mlp("linear")
    m.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.01),
              metrics=[keras.metrics.AUC(from_logits=True)])
    save(m, out, "logits")
    logits_check(m, out, "logits")
    m = row_mlp("linear")
    m.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics=["AUC"])
    save(m, out, "logits_auc")
    m = row_mlp("relu")
    m.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True))
    save(m, out, "logits_relu")
    save(ae_mlp(), out, "ae_mlp")
    m = row_mlp()
    m.compile(optimizer=keras.optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(1e-2, 2, 0.5),
                                              amsgrad=True), loss="binary_crossentropy")
    trained(m, out, "adam_trained")
    m = row_mlp()
    m.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True), loss="binary_crossentropy")
    trained(m, out, "sgd_trained")
    m = row_mlp()
    m.compile(optimizer=keras.optimizers.RMSprop(1e-2, momentum=0.5, centered=True), loss="binary_crossentropy")
    trained(m, out, "rmsprop_trained")
    m = row_mlp()
    m.compile(optimizer=keras.optimizers.legacy.Adam(), loss="binary_crossentropy")
    trained(m, out, "legacy_trained")
    without(os.path.join(out, "adam_trained.h5"), os.path.join(out, "adam_partial.h5"), "Adam/vhat/")
    print("keras_saved_fixtures: OK")


if __name__ == "__main__":
    main()
