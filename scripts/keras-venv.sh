#!/usr/bin/env bash
# The Python venv the Keras reference tests use: TensorFlow 2.21 + tf_keras 2.21 (CPU), h5py, and TensorBoard 2.21
# (whose own reader checks `kiln train --tensorboard`'s event files), made once under Kiln's cache
# (scripts/make-venv.sh, which adds a package added here to an existing venv). Prints the venv's python on stdout.
exec "$(dirname "$0")/make-venv.sh" keras-2.21 'tensorflow==2.21.0' 'tf_keras==2.21.0' 'h5py' 'tensorboard==2.21.0'
