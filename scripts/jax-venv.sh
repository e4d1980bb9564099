#!/usr/bin/env bash
# Makes (once) the Python venv the JAX comparisons use: JAX 0.10.2 (CPU) and libtpu 0.0.42.1 for ahead-of-time TPU
# compiles, under Kiln's cache, never in the repo. Prints the venv's python on stdout. A finished venv carries a
# marker file and is reused; a half-made one is removed and made again.
set -euo pipefail
cache="${KILN_CACHE:-$HOME/.cache/kiln}"
venv="$cache/venvs/jax-0.10.2"
marker="$venv/.kiln-complete"
if [ ! -f "$marker" ]; then
  py="${KILN_PYTHON:-python3.11}"
  command -v "$py" >/dev/null 2>&1 || py=python3
  "$py" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' 2>/dev/null \
    || { echo "jax-venv: needs Python 3.11 (set KILN_PYTHON); found $("$py" --version 2>&1)" >&2; exit 1; }
  rm -rf "$venv" "$venv.tmp"
  mkdir -p "$cache/venvs"
  echo "jax-venv: installing jax 0.10.2 + libtpu 0.0.42.1 into $venv (once)" >&2
  "$py" -m venv "$venv.tmp"
  "$venv.tmp/bin/python" -m pip install -q --disable-pip-version-check \
    'jax==0.10.2' 'jaxlib==0.10.2' 'libtpu==0.0.42.1' >&2
  mv "$venv.tmp" "$venv"
  touch "$marker"
fi
echo "$venv/bin/python"
