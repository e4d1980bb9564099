#!/usr/bin/env bash
# Builds what scripts/device-check.sh needs on a GPU/TPU machine that has no Java and no network:
# a jlink'ed Java runtime and the kiln jars, packed as dist/device.tgz (carry that file to the machine; about
# 37 MB, under the 64 MiB a device call carries).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
. .ci/jdk.sh
kiln_select_jdk
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
mvn -q -B -ntp -DskipTests package
out="$root/dist/device"
rm -rf "$out"
mkdir -p "$out"
# java.desktop: JFreeChart's PNG plots; jdk.unsupported: protobuf and JavaCPP use sun.misc.Unsafe; java.net.http and
# jdk.zipfs: plugin install; jdk.management: the host's free memory (--data-on-device auto on pjrt:cpu).
jlink --add-modules java.base,java.desktop,java.logging,java.management,java.net.http,jdk.management,jdk.zipfs,jdk.unsupported,jdk.incubator.vector \
  --strip-debug --no-header-files --no-man-pages --output "$out/jre"
cp train/target/kiln-train.jar "$out/"
cp -r train/target/lib "$out/lib"
# The seed's steps compiled here for the GPUs a device machine may have (no GPU needed), so that device-check.sh can
# run them beside a fresh compile. Needs the compile toolchain: ./kiln plugin install cuda --compile-only.
for target in h100 h200; do
  for batch in 4096 32768; do
    ./kiln compile --target "$target" --batch "$batch" --out "$out/executables/$target-$batch" 2>/dev/null | tail -n 1
  done
done
tar -C "$root/dist" -czf "$root/dist/device.tgz" device
rm -rf "$out"
ls -la "$root/dist/device.tgz" | awk '{print "bundle: dist/device.tgz, " $5 " bytes"}'
