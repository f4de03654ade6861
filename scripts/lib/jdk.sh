# Sourced by tether's scripts. Finds a JDK 21 or newer and exports JAVA_HOME for it.
# Order: $JAVA_HOME if it is new enough, then the newest JDK under /usr/lib/jvm (or the directories in
# $TETHER_JVM_DIRS, space-separated), then the `javac` on PATH.
# Prints what it rejected and returns 1 when there is none.

tether_jdk_feature() { # JAVA_HOME -> feature version (17, 21, 25, ...) or nothing
  local release="$1/release" v=""
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  if [ -f "$release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release")
  fi
  if [ -z "$v" ]; then
    v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')
  fi
  [ -n "$v" ] && echo "$v"
}

tether_find_jdk() {
  local min=21 candidates=() c v best="" best_v=0 rejected=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  local dir
  for dir in ${TETHER_JVM_DIRS:-/usr/lib/jvm}; do
    for c in "$dir"/*; do [ -d "$c" ] && [ ! -L "$c" ] && candidates+=("$c"); done
  done
  if command -v javac >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")")
  fi
  for c in "${candidates[@]}"; do
    v=$(tether_jdk_feature "$c") || { rejected+=("$c (no java/javac)"); continue; }
    if [ "$v" -lt "$min" ]; then rejected+=("$c (Java $v)"); continue; fi
    # JAVA_HOME wins when it is suitable; otherwise the newest one found.
    if [ -n "${JAVA_HOME:-}" ] && [ "$c" = "$JAVA_HOME" ]; then best="$c"; best_v=$v; break; fi
    if [ "$v" -gt "$best_v" ]; then best="$c"; best_v=$v; fi
  done
  if [ -z "$best" ]; then
    echo "tether: no JDK $min or newer found." >&2
    [ ${#rejected[@]} -gt 0 ] && printf '  rejected: %s\n' "${rejected[@]}" >&2
    echo "  Install one (for example: apt-get install openjdk-21-jdk-headless) or set JAVA_HOME to it." >&2
    return 1
  fi
  export JAVA_HOME="$best"
  export TETHER_JAVA_FEATURE="$best_v"
}

# JVM flags for running tether's jar: Agrona needs jdk.internal.misc, loop-carried handler threads java.lang; JDK 24+ would warn on
# zero-allocation-hashing's sun.misc.Unsafe use.
tether_jvm_flags() {
  local flags="--add-exports java.base/jdk.internal.misc=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED"
  [ "${TETHER_JAVA_FEATURE:-21}" -ge 24 ] && flags="$flags --sun-misc-unsafe-memory-access=allow"
  echo "$flags"
}

# Maven itself (guice) touches sun.misc.Unsafe too; keep that warning off the terminal on JDK 24+.
tether_maven_opts() {
  if [ "${TETHER_JAVA_FEATURE:-21}" -ge 24 ]; then
    case " ${MAVEN_OPTS:-} " in *sun-misc-unsafe-memory-access*) ;; *)
      export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" ;;
    esac
  fi
}
