# What the screenshot scripts (dashboard-screenshot, report-screenshot) share. Source it, then call
# screenshot_setup NAME first: it makes $work (a temporary directory) and, on exit, stops what the script started
# (the pids in $pids) and removes $work.

screenshot_setup() {
  screenshot_name="$1"
  work="$(mktemp -d)"
  pids=()
  trap screenshot_cleanup EXIT
}

screenshot_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}

# screenshot_free_port: a loopback port nothing listens on now.
screenshot_free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# screenshot_serve ROOT SERVE_ARGS...: `tether serve` on an ephemeral loopback port in the background, logging to
# $work; waits until it serves and sets $target to its listener.
screenshot_serve() {
  local root="$1"; shift
  "$root/scripts/tether" serve --listen tcp://127.0.0.1:0 --stats-interval 0 --log-file "$work/server.log" "$@" \
    > "$work/serve.out" 2>&1 &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 1 300); do
    grep -q "^tether serving" "$work/serve.out" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/serve.out" >&2; exit 1; }
    sleep 0.1
  done
  target="$(sed -n 's/^tether serving \[\([^],]*\).*/\1/p' "$work/serve.out")"
  [ -n "$target" ] || { echo "$screenshot_name: the server did not start" >&2; cat "$work/serve.out" >&2; exit 1; }
}

# screenshot_chromium PORT: headless Chromium on about:blank, its DevTools on PORT (scripts/lib/devtools.py
# drives it).
screenshot_chromium() {
  /usr/bin/chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$work/profile" \
    --window-size=1280,1000 --remote-debugging-port="$1" about:blank 2> "$work/chromium.log" &
  pids+=($!)
}
