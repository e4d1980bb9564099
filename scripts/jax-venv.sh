#!/usr/bin/env bash
# The Python venv the JAX comparisons use: JAX 0.10.2 (CPU) and libtpu 0.0.42.1 for ahead-of-time TPU compiles,
# made once under Kiln's cache (scripts/make-venv.sh). Prints the venv's python on stdout.
exec "$(dirname "$0")/make-venv.sh" jax-0.10.2 'jax==0.10.2' 'jaxlib==0.10.2' 'libtpu==0.0.42.1'
