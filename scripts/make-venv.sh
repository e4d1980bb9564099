#!/usr/bin/env bash
# Makes (once) a Python 3.11 venv under Kiln's cache, never in the repo, and prints its python on stdout:
#   scripts/make-venv.sh NAME REQUIREMENT...
# A finished venv carries a marker file holding its requirements and is reused; a half-made one (a killed install) is
# removed and made again. When the requirements change (a package added), they are installed into the finished venv:
# its marker goes first, so an install cut short leaves a venv without one, made again from scratch on the next call.
# The reference scripts (keras-venv.sh, jax-venv.sh) name what they need through it.
set -euo pipefail
name="$1"
shift
cache="${KILN_CACHE:-$HOME/.cache/kiln}"
venv="$cache/venvs/$name"
marker="$venv/.kiln-complete"
want="$*"
if [ -f "$marker" ] && [ "$(cat "$marker")" != "$want" ]; then
  echo "make-venv: the requirements of $venv changed; installing $* (once)" >&2
  rm -f "$marker"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "$@" >&2
  printf '%s' "$want" >"$marker.tmp"
  mv "$marker.tmp" "$marker"
fi
if [ ! -f "$marker" ]; then
  py="${KILN_PYTHON:-python3.11}"
  command -v "$py" >/dev/null 2>&1 || py=python3
  "$py" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' 2>/dev/null \
    || { echo "make-venv: needs Python 3.11 (set KILN_PYTHON); found $("$py" --version 2>&1)" >&2; exit 1; }
  rm -rf "$venv" "$venv.tmp"
  mkdir -p "$cache/venvs"
  echo "make-venv: installing $* into $venv (once)" >&2
  "$py" -m venv "$venv.tmp"
  "$venv.tmp/bin/python" -m pip install -q --disable-pip-version-check "$@" >&2
  # Scripts in a venv hard-code its path; python itself works from the final place after the rename.
  mv "$venv.tmp" "$venv"
  printf '%s' "$want" >"$marker"
fi
echo "$venv/bin/python"
