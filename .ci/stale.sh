# Sourced by ./kiln: whether the launcher must rebuild. Sources are the files under a module's src/ and the poms;
# build outputs (every target/, where JMH and protoc write generated sources that are always newer than the jar)
# and .git never count.
# kiln_stale ROOT JAR: exit 0 when JAR is missing or a source under ROOT is newer than it.
kiln_stale() {
  local root="$1" jar="$2"
  [ -f "$jar" ] || return 0
  [ -n "$(find "$root" \( -name .git -o -name target -o -name runs -o -name dist \) -prune -o \
    -type f \( -path '*/src/*' -o -name pom.xml \) -newer "$jar" -print -quit)" ]
}
