#!/bin/sh
# bench/webhook.sh - durable webhook acknowledgements per second, printed as
# figures (no assertions): wrk posts a Docker Hub delivery with a distinct tag
# per request (nothing coalesces) to ukiyod, whose every 202 means the job is
# synced to disk; then the same load against nginx answering a fixed 202 on
# the same machine, in the same run. Prints both rates, the ratio, p99 and
# errors. Loopback only; each run lasts DURATION seconds.
#
#   bench/webhook.sh [BUILDDIR [DURATION [CONNECTIONS]]]   (default build 10 32)
#
# Each side is first warmed up for WARMUP seconds (default 3; 0 for none),
# those figures dropped.
#
# NGINX_WORKERS=1 gives nginx one worker, like ukiyod's one HTTP thread
# (default: auto, a worker per core, as nginx ships). UKIYOD=path runs another
# ukiyod binary.
#
# Installs wrk and nginx-light when missing (Debian). ukiyod runs as built,
# against the engine on the default socket, with its database in a fresh
# directory under /tmp.
set -eu
cd "$(dirname "$0")/.."
. tests/env/lib.sh

build=${1:-build}
duration=${2:-10}
connections=${3:-32}
ensure_packages wrk nginx-light sqlite3
[ -x "$build/ukiyod/ukiyod" ] || die "no $build/ukiyod/ukiyod: build first (meson setup $build && ninja -C $build)"

tmp=$(mktemp -d /tmp/ukiyo-bench-webhook.XXXXXX)
ukiyod_pid="" nginx_pid=""
cleanup() {
    [ -n "$ukiyod_pid" ] && kill "$ukiyod_pid" 2>/dev/null && wait "$ukiyod_pid" 2>/dev/null
    [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# One request per call, each with its own tag: "<run>.<thread>-<n>" (the run
# from wrk's argument, so that the warm-up's tags are not sent again).
cat >"$tmp/dockerhub.lua" <<'EOF'
local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("id", threads)
end
local run = "0"
function init(args)
    run = args[1] or "0"
end
local n = 0
request = function()
    n = n + 1
    local body = '{"callback_url":"https://registry.hub.docker.com/u/acme/app/hook/' ..
        '2141b5bi5i5b02bec211i4eeih0242eg11000a/","push_data":{"pushed_at":1631871970,' ..
        '"images":[],"tag":"1.' .. run .. '.' .. id .. "-" .. n .. '","pusher":"ci"},"repository":' ..
        '{"repo_name":"acme/app","namespace":"acme","name":"app",' ..
        '"repo_url":"https://hub.docker.com/r/acme/app","is_private":false,"status":"Active"}}'
    return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
done = function(summary, latency, requests)
    local e = summary.errors
    io.write(string.format("FIGURES %.0f %.3f %.3f %d\n", summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000,
        e.connect + e.read + e.write + e.status + e.timeout))
end
EOF

# wrk URL -> "rate p50_ms p99_ms errors", after a warm-up of WARMUP seconds (default 3)
# whose figures are dropped: a fresh database grows its files in its first
# seconds (about a quarter slower then), and the goal is the steady rate.
measure() {
    [ "${WARMUP:-3}" = 0 ] ||
        wrk -t2 -c"$connections" -d"${WARMUP:-3}s" -s "$tmp/dockerhub.lua" "$1" -- 1 >/dev/null
    wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$tmp/dockerhub.lua" "$1" -- 2 |
        sed -n 's/^FIGURES //p'
}

# ukiyod, as a user starts it (log to a file).
uport=$(free_port)
${UKIYOD:-"$build/ukiyod/ukiyod"} --listen "127.0.0.1:$uport" --db "$tmp/ukiyo.db" 2>"$tmp/ukiyod.log" &
ukiyod_pid=$!
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$uport/api/v1/health" >/dev/null 2>&1 && break
    sleep 0.1
done
secret=$(cat "$tmp/webhook-secret")

# nginx: a fixed 202, a worker per core (nginx's "auto") unless NGINX_WORKERS says, no access log.
nport=$(free_port)
cat >"$tmp/nginx.conf" <<EOF
daemon off;
worker_processes ${NGINX_WORKERS:-auto};
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $tmp;
    server {
        listen 127.0.0.1:$nport;
        location / { return 202 '{"ResponseCode":0,"ResponseDesc":"accepted"}'; }
    }
}
EOF
nginx -c "$tmp/nginx.conf" &
nginx_pid=$!
sleep 0.5

say "ukiyod: wrk -t2 -c$connections -d${duration}s, Docker Hub deliveries, a distinct tag each"
set -- $(measure "http://127.0.0.1:$uport/hooks/$secret")
u_rate=$1 u_p50=$2 u_p99=$3 u_err=$4
jobs=$(sqlite3 "$tmp/ukiyo.db" 'SELECT COUNT(*) FROM jobs' 2>/dev/null || echo "?")
say "nginx (worker_processes ${NGINX_WORKERS:-auto}): the same load, a fixed 202"
set -- $(measure "http://127.0.0.1:$nport/hooks/x")
n_rate=$1 n_p50=$2 n_p99=$3 n_err=$4

printf '\n%-8s %12s %9s %9s %7s\n' "" "requests/s" "p50 ms" "p99 ms" "errors"
printf '%-8s %12s %9s %9s %7s\n' ukiyod "$u_rate" "$u_p50" "$u_p99" "$u_err"
printf '%-8s %12s %9s %9s %7s\n' nginx "$n_rate" "$n_p50" "$n_p99" "$n_err"
printf 'ratio ukiyod/nginx: %s\n' "$(awk -v a="$u_rate" -v b="$n_rate" 'BEGIN {printf "%.2f", a / b}')"
printf 'jobs in the store after the warm-up and the run: %s (each 202 is one, synced: synchronous=FULL)\n' "$jobs"
