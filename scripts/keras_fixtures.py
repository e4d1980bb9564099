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
                        ("row_mlp", row_mlp), ("starter_mlp", starter_mlp)):
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


if __name__ == "__main__":
    main()
