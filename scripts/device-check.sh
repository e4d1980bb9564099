#!/usr/bin/env bash
# Verifies Kiln on an accelerator machine without Java or network: runs the conformance suite on the PJRT
# backend with the bundled runtime and prints a short table. Build the bundle first on a machine with a JDK:
#   scripts/device-bundle.sh      (creates dist/device.tgz)
# Then, on the device:
#   scripts/device-check.sh [--backend pjrt:cuda] [--plugin PATH]
# Default plugin: the CUDA plugin of jax-cuda13-pjrt under /opt/torch/.venv, else Kiln's discovery order.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
backend="pjrt:cuda"
plugin=""
while [ $# -gt 0 ]; do
  case "$1" in
    --backend) backend="$2"; shift 2 ;;
    --plugin) plugin="$2"; shift 2 ;;
    *) echo "usage: $0 [--backend NAME] [--plugin PATH]" >&2; exit 2 ;;
  esac
done
if [ ! -f "$root/dist/device.tgz" ]; then
  echo "device-check: no dist/device.tgz — run scripts/device-bundle.sh on a machine with a JDK" >&2
  exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xzf "$root/dist/device.tgz"
java="$work/device/jre/bin/java"
jar="$work/device/kiln-train.jar"
default_cuda=/opt/torch/.venv/lib/python3.12/site-packages/jax_plugins/xla_cuda13/xla_cuda_plugin.so
if [ -z "$plugin" ] && [ "$backend" = "pjrt:cuda" ] && [ -f "$default_cuda" ]; then plugin="$default_cuda"; fi
args=(--backend "$backend")
[ -n "$plugin" ] && args+=(--plugin "$plugin")
kiln() { "$java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -jar "$jar" "$@"; }
echo "== device"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
echo "== kiln check ${args[*]}"
kiln check "${args[@]}" | tail -n 12
status=${PIPESTATUS[0]}
if kiln help bench >/dev/null 2>&1; then
  for batch in 4096 32768; do
    echo "== kiln bench ${args[*]} --batch $batch"
    kiln bench "${args[@]}" --batch "$batch" --steps 100 | tail -n 6
  done
fi
exit "$status"
