# Sourced by ./kiln and .ci/run: selects a JDK >= 25 (Temurin 25 where present; the Java backend compiles fused loops with the ClassFile API, final in JDK 24) as JAVA_HOME.
kiln_select_jdk() {
  local cand
  for cand in "${KILN_JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
    [ -n "$cand" ] && [ -x "$cand/bin/javac" ] || continue
    local v
    v=$("$cand/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/.*java.specification.version = \([0-9]*\).*/\1/p')
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then export JAVA_HOME="${cand%/}"; export PATH="$JAVA_HOME/bin:$PATH"; return 0; fi
  done
  echo "kiln: no JDK >= 25 found (looked in \$KILN_JAVA_HOME and /usr/lib/jvm); install one, e.g. Temurin 25" >&2
  return 1
}
