# What the echo bench scripts (bench-echo, bench-blocking, bench-syscalls) share. Source it after scripts/lib/jdk.sh.

# bench_jars ROOT: builds the CLI and JMH jars when missing, then runs copies from a new temporary directory, so a
# build in the tree during the run cannot change them under the JVMs. Sets $jar, $jmh and $out (the directory,
# which the caller removes).
bench_jars() {
  jar="$1/cli/target/tether.jar"; jmh="$1/jmh/target/benchmarks.jar"
  if [ ! -f "$jar" ] || [ ! -f "$jmh" ]; then
    (cd "$1" && ./mvnw -B -q -DskipTests -pl cli,jmh -am package)
  fi
  out=$(mktemp -d)
  cp "$jar" "$out/tether.jar"; cp "$jmh" "$out/benchmarks.jar"
  jar="$out/tether.jar"; jmh="$out/benchmarks.jar"
}

# bench_url PORT: the loopback target on PORT for $transport (tcp or ws).
bench_url() {
  if [ "$transport" = ws ]; then echo "ws://127.0.0.1:$1/tether"; else echo "tcp://127.0.0.1:$1"; fi
}

# bench_await_listening PORT WHAT LOG: until PORT accepts connections (10 s at most); else says WHAT did not start,
# prints LOG and fails.
bench_await_listening() {
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "$2 did not start" >&2; cat "$3" >&2; return 1
}

# bench_await_closed PORT: until nothing listens on PORT any more.
bench_await_closed() {
  while (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do sleep 0.1; done
}
