"""Writes the Keras architectures Kiln's importer is tested on: each built with tf_keras, saved with to_json(), with
its parameter counts beside it (<name>.json, <name>.counts.json). Run with the venv from scripts/keras-venv.sh:
  python scripts/keras_fixtures.py ops/src/test/resources/keras
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tf_keras as keras  # noqa: E402
from tf_keras import layers  # noqa: E402


def seed():
    """The seed notebook's model."""
    inp = layers.Input(shape=(20, 130))
    x = layers.experimental.preprocessing.Normalization()(inp)
    x = layers.GaussianNoise(0.1)(x)
    skip = layers.BatchNormalization()(layers.Conv1D(64, 5, padding="same")(x))
    h = layers.Conv1D(64, 5, padding="same")(x)
    h = layers.Activation("relu")(layers.BatchNormalization()(h))
    h = layers.BatchNormalization()(layers.Conv1D(64, 5, padding="same")(h))
    x = layers.Activation("relu")(layers.Add()([skip, h]))
    out = layers.Dense(1, activation="sigmoid")(layers.Flatten()(x))
    return keras.Model(inp, out)


def deeper():
    """Causal dilated convolutions, dropout, pooling and global pooling."""
    inp = layers.Input(shape=(20, 130))
    x = layers.experimental.preprocessing.Normalization()(inp)
    x = layers.Conv1D(32, 3, padding="causal", dilation_rate=2, activation="relu")(x)
    x = layers.Dropout(0.2)(x)
    x = layers.Conv1D(32, 3, padding="causal", dilation_rate=4, use_bias=False)(x)
    x = layers.BatchNormalization(momentum=0.9, epsilon=1e-5)(x)
    x = layers.Activation("elu")(x)
    x = layers.MaxPooling1D(2)(x)
    x = layers.Conv1D(16, 3, strides=2, padding="valid", activation="swish")(x)
    x = layers.AveragePooling1D(2)(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dense(8, activation="tanh")(x)
    out = layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inp, out)


def normalized():
    """LayerNormalization, Concatenate and Multiply."""
    inp = layers.Input(shape=(20, 130))
    a = layers.LayerNormalization(epsilon=1e-6)(layers.Conv1D(16, 3, padding="same")(inp))
    b = layers.Activation("gelu")(layers.Conv1D(16, 1)(inp))
    g = layers.Activation("sigmoid")(layers.Conv1D(32, 1)(inp))
    x = layers.Multiply()([layers.Concatenate()([a, b]), g])
    x = layers.BatchNormalization(center=False, scale=False)(x)
    out = layers.Dense(1, activation="sigmoid")(layers.Flatten()(x))
    return keras.Model(inp, out)


def row_mlp():
    """A model that takes rows, as Jane Street competitors trained: BN, two swish layers, dropout, five targets."""
    inp = layers.Input(shape=(130,))
    x = layers.BatchNormalization()(inp)
    x = layers.Dense(256, activation="swish")(x)
    x = layers.Dropout(0.2)(x)
    x = layers.Dense(128, activation="swish")(x)
    out = layers.Dense(5, activation="sigmoid")(x)
    return keras.Model(inp, out)


def starter_mlp():
    """The "Jane Street Neural Network Starter" of the competition's public notebooks: BN and dropout on the row,
    four Dense blocks (384, 896, 896, 394) each with BN, swish and dropout, and five sigmoid units."""
    inp = layers.Input(shape=(130,))
    x = layers.Dropout(0.2)(layers.BatchNormalization()(inp))
    for units in (384, 896, 896, 394):
        x = layers.Dense(units)(x)
        x = layers.Activation("swish")(layers.BatchNormalization()(x))
        x = layers.Dropout(0.2)(x)
    out = layers.Dense(5, activation="sigmoid")(x)
    return keras.Model(inp, out)


def autoencoder(noise=0.035, drops=(0.03, 0.4, 0.1, 0.1, 0.1)):
    """The supervised autoencoder MLP of the best Jane Street public solution, with smaller hidden layers: a decoder
    output reconstructing the input, an ae_action head on the decoder, and an action head on the input branch and
    the encoder (outputs in that order)."""
    inp = layers.Input(shape=(130,))
    x0 = layers.BatchNormalization()(inp)
    encoder = layers.GaussianNoise(noise)(x0)
    encoder = layers.Dense(24)(encoder)
    encoder = layers.BatchNormalization()(encoder)
    encoder = layers.Activation("swish")(encoder)
    decoder = layers.Dropout(drops[0])(encoder)
    decoder = layers.Dense(130, name="decoder")(decoder)
    x_ae = layers.Dense(16)(decoder)
    x_ae = layers.BatchNormalization()(x_ae)
    x_ae = layers.Activation("swish")(x_ae)
    x_ae = layers.Dropout(drops[1])(x_ae)
    out_ae = layers.Dense(5, activation="sigmoid", name="ae_action")(x_ae)
    x = layers.Concatenate()([x0, encoder])
    x = layers.BatchNormalization()(x)
    x = layers.Dropout(drops[2])(x)
    for units, drop in ((32, drops[3]), (16, drops[4])):
        x = layers.Dense(units)(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("swish")(x)
        x = layers.Dropout(drop)(x)
    out = layers.Dense(5, activation="sigmoid", name="action")(x)
    return keras.Model(inputs=inp, outputs=[decoder, out_ae, out])


def autoencoder_loss_fixture(out):
    """The autoencoder without noise and dropout (so a training-mode forward is deterministic), its weights drawn
    from a fixed seed (moving statistics too), and one batch: Keras's per-output losses and total with
    loss_weights, label smoothing and sample weights, in training mode (batch statistics) and in inference mode,
    and the total's gradient for every trainable weight in training mode."""
    import numpy as np
    import tensorflow as tf
    m = autoencoder(noise=0.0, drops=(0.0,) * 5)
    rnd = np.random.default_rng(11)
    weights = {}
    for w in m.weights:
        # Scales that keep activations near 1 (as training would), so float32 rounding stays small in both.
        if "moving_variance" in w.name:
            v = rnd.uniform(0.5, 1.5, size=w.shape)
        elif "gamma" in w.name:
            v = 1 + rnd.normal(size=w.shape) * 0.2
        elif len(w.shape) == 2:
            v = rnd.normal(size=w.shape) / np.sqrt(w.shape[0])
        else:
            v = rnd.normal(size=w.shape) * 0.2
        w.assign(v.astype(np.float32))
    n = 8
    x = rnd.normal(size=(n, 130)).astype(np.float32)
    y = rnd.choice(np.array([0.0, 0.5, 1.0], dtype=np.float32), size=(n, 5))
    sw = rnd.uniform(0, 2, size=(n,)).astype(np.float32)
    ls = 0.01
    lw = {"decoder": 0.7, "ae_action": 1.3, "action": 1.0}
    losses = {"decoder": keras.losses.MeanSquaredError(), "ae_action": keras.losses.BinaryCrossentropy(
        label_smoothing=ls), "action": keras.losses.BinaryCrossentropy(label_smoothing=ls)}
    mae = keras.losses.MeanAbsoluteError()

    def figures(training, weighted):
        with tf.GradientTape() as tape:
            dec, ae, act = m(x, training=training)
            s = sw if weighted else None
            per = {"decoder": losses["decoder"](x, dec, sample_weight=s),
                   "ae_action": losses["ae_action"](y, ae, sample_weight=s),
                   "action": losses["action"](y, act, sample_weight=s)}
            total = sum(lw[k] * per[k] for k in per)
        grads = tape.gradient(total, m.trainable_weights)
        f = {k + "_loss": float(v) for k, v in per.items()}
        f["loss"] = float(total)
        f["decoder_mae"] = float(mae(x, dec, sample_weight=s))
        return f, grads

    def f32(a):
        """float32 values in their shortest decimal form (each reads back as the same float32)."""
        return [float(str(np.float32(v))) for v in np.asarray(a, dtype=np.float32).ravel()]

    # The weights and the inference figures first: a training-mode call moves the moving statistics.
    weights = {w.name.split(":")[0]: f32(w.numpy()) for w in m.weights}
    inference = figures(False, False)[0]
    train_f, grads = figures(True, True)
    fixture = {
        "x": f32(x), "y": f32(y), "sample_weight": f32(sw), "label_smoothing": ls,
        "loss_weights": lw, "model": json.loads(m.to_json()),
        "weights": weights,
        "training_weighted": train_f,
        "training": figures(True, False)[0],
        "inference": inference,
        "gradients": {w.name.split(":")[0]: f32(g.numpy()) for w, g in zip(m.trainable_weights, grads)},
        "keras": keras.__version__,
    }
    with open(os.path.join(out, "autoencoder_losses.json"), "w") as f:
        json.dump(fixture, f)
        f.write("\n")
    print("autoencoder_losses", fixture["training_weighted"], fixture["inference"])


def bce_fixture(out):
    """Keras's BinaryCrossentropy on [6, 5] (mean over the units, then over the batch), from given logits, labels
    (0, 0.5 for a zero resp, 1) and sample weights: on the probabilities, on the logits, and weighted."""
    import numpy as np
    import tensorflow as tf
    rnd = np.random.default_rng(7)
    z = (rnd.normal(size=(6, 5)) * 2).astype(np.float32)
    y = rnd.choice(np.array([0.0, 0.5, 1.0], dtype=np.float32), size=(6, 5))
    w = rnd.uniform(0, 3, size=(6,)).astype(np.float32)
    p = tf.sigmoid(z)
    bce = keras.losses.BinaryCrossentropy()
    fixture = {
        "logits": z.tolist(), "labels": y.tolist(), "sample_weight": w.tolist(),
        "keras_bce_probabilities": float(bce(y, p)),
        "keras_bce_logits": float(keras.losses.BinaryCrossentropy(from_logits=True)(y, z)),
        "keras_bce_weighted": float(bce(y, p, sample_weight=w)),
        "keras_bce_weighted_logits": float(keras.losses.BinaryCrossentropy(from_logits=True)(y, z, sample_weight=w)),
        "keras_bce_smoothed": float(keras.losses.BinaryCrossentropy(label_smoothing=0.1)(y, p)),
        "keras": keras.__version__,
    }
    with open(os.path.join(out, "bce5.json"), "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print("bce5", fixture["keras_bce_probabilities"], fixture["keras_bce_logits"], fixture["keras_bce_weighted"],
          fixture["keras_bce_weighted_logits"])


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    bce_fixture(out)
    for name, build in (("seed", seed), ("deeper", deeper), ("normalized", normalized),
                        ("row_mlp", row_mlp), ("starter_mlp", starter_mlp), ("autoencoder", autoencoder)):
        m = build()
        with open(os.path.join(out, name + ".json"), "w") as f:
            f.write(json.dumps(json.loads(m.to_json()), indent=1) + "\n")
        trainable = sum(int(w.shape.num_elements()) for w in m.trainable_weights)
        non = sum(int(w.shape.num_elements()) for w in m.non_trainable_weights)
        with open(os.path.join(out, name + ".counts.json"), "w") as f:
            json.dump({"total": trainable + non, "trainable": trainable, "non_trainable": non,
                       "keras": keras.__version__}, f)
            f.write("\n")
        print(name, trainable + non, trainable, non)
    autoencoder_loss_fixture(out)


if __name__ == "__main__":
    main()
