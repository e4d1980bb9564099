#!/usr/bin/env bash
# Makes (once) the Python venv the Keras reference tests use: TensorFlow 2.21 + tf_keras 2.21 (CPU) and h5py, under
# Kiln's cache, never in the repo. Prints the venv's python on stdout. Idempotent: a finished venv carries a marker
# file and is reused; a half-made one (killed install) is removed and made again.
set -euo pipefail
cache="${KILN_CACHE:-$HOME/.cache/kiln}"
venv="$cache/venvs/keras-2.21"
marker="$venv/.kiln-complete"
if [ ! -f "$marker" ]; then
  py="${KILN_PYTHON:-python3.11}"
  command -v "$py" >/dev/null 2>&1 || py=python3
  "$py" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' 2>/dev/null \
    || { echo "keras-venv: needs Python 3.11 (set KILN_PYTHON); found $("$py" --version 2>&1)" >&2; exit 1; }
  rm -rf "$venv" "$venv.tmp"
  mkdir -p "$cache/venvs"
  echo "keras-venv: installing tensorflow 2.21 + tf_keras 2.21 into $venv (once; about 700 MB)" >&2
  "$py" -m venv "$venv.tmp"
  "$venv.tmp/bin/python" -m pip install -q --disable-pip-version-check \
    'tensorflow==2.21.0' 'tf_keras==2.21.0' 'h5py' >&2
  # venvs hard-code their path in scripts; python itself works from the final place after the rename.
  mv "$venv.tmp" "$venv"
  touch "$marker"
fi
echo "$venv/bin/python"
