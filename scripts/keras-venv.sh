#!/usr/bin/env bash
# The Python venv the Keras reference tests use: TensorFlow 2.21 + tf_keras 2.21 (CPU) and h5py, made once under
# Kiln's cache (scripts/make-venv.sh). Prints the venv's python on stdout.
exec "$(dirname "$0")/make-venv.sh" keras-2.21 'tensorflow==2.21.0' 'tf_keras==2.21.0' 'h5py'
