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
# A third side, build/bench/http_floor, is libmicrohttpd alone as ukiyod's
# HTTP thread runs it, answering the same fixed 202: what the library costs
# before ukiyod does any work. Beside each rate: the CPU each server and wrk
# spent per request (from /proc), so that where the time goes is printed,
# not guessed. The sides take turns, ROUNDS times (default 3; this machine's
# run-to-run noise is about 15%), and each figure is the round with the
# median rate.
#
# Last, the ceiling these parts allow: the CPU of a durable ack can be no
# less than libmicrohttpd's (the third side), a parse (ukiyo_push_parse) and
# the store's cost per job in a group of CONNECTIONS (both from
# build/bench/commit, run here), and wrk's at least what it spends against
# nginx. With every core busy on nothing else, the rate cannot pass
# cores x 1e6 / their sum; the bench prints that rate and its ratio to nginx.
#
# Each side is first warmed up for WARMUP seconds (default 3; 0 for none),
# those figures dropped.
#
# NGINX_WORKERS=1 gives nginx one worker, like ukiyod's one HTTP thread
# (default: auto, a worker per core, as nginx ships). UKIYOD=path runs another
# ukiyod binary.
#
# Installs wrk, nginx-light, sqlite3, curl, python3 and procps when missing
# (Debian). ukiyod runs as built, against the engine on the default socket,
# with its database in a fresh directory under /tmp.
set -eu
cd "$(dirname "$0")/.."
. tests/env/lib.sh

build=${1:-build}
duration=${2:-10}
connections=${3:-32}
ensure_packages wrk nginx-light sqlite3 curl python3 procps
for prog in ukiyod/ukiyod bench/http_floor bench/commit; do
    [ -x "$build/$prog" ] || die "no $build/$prog: build first (meson setup $build && ninja -C $build)"
done

tmp=$(mktemp -d /tmp/ukiyo-bench-webhook.XXXXXX)
ukiyod_pid="" nginx_pid="" floor_pid=""
cleanup() {
    [ -n "$floor_pid" ] && kill "$floor_pid" 2>/dev/null && wait "$floor_pid" 2>/dev/null
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
    io.write(string.format("FIGURES %.0f %.3f %.3f %d %d\n", summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000,
        e.connect + e.read + e.write + e.status + e.timeout, summary.requests))
end
EOF

# The CPU time (clock ticks) of processes PID..., all their threads.
ticks() { for p in "$@"; do awk '{print $14 + $15}' "/proc/$p/stat"; done | awk '{s += $1} END {print s + 0}'; }
hz=$(getconf CLK_TCK)

# measure ROUND URL PID... -> "rate p50_ms p99_ms errors server_us wrk_us" after a
# warm-up of WARMUP seconds (default 3) whose figures are dropped: a fresh
# database grows its files in its first seconds (about a quarter slower then),
# and the goal is the steady rate. server_us and wrk_us: CPU per request of
# the server's processes PID... and of wrk (its children's time, read by the
# shell that waited for it). Each round's tags are its own.
measure() {
    round=$1 url=$2
    shift 2
    [ "${WARMUP:-3}" = 0 ] ||
        wrk -t2 -c"$connections" -d"${WARMUP:-3}s" -s "$tmp/dockerhub.lua" "$url" -- "w$round" >/dev/null
    before=$(ticks "$@")
    # shellcheck disable=SC2016 # $$ and the fields are the inner shell's
    sh -c 'wrk "$@" >"'"$tmp"'/wrk.out"; awk "{print \$16 + \$17}" /proc/$$/stat' wrk \
        -t2 -c"$connections" -d"${duration}s" --latency -s "$tmp/dockerhub.lua" "$url" -- "r$round" \
        >"$tmp/wrk.ticks"
    after=$(ticks "$@")
    sed -n 's/^FIGURES //p' "$tmp/wrk.out" | awk -v s=$((after - before)) -v w="$(cat "$tmp/wrk.ticks")" \
        -v hz="$hz" '{n = $5 > 0 ? $5 : 1; printf "%s %s %s %s %.1f %.1f\n", $1, $2, $3, $4, s * 1e6 / hz / n, w * 1e6 / hz / n}'
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

# libmicrohttpd alone, as ukiyod's HTTP thread runs it.
fport=$(free_port)
"$build/bench/http_floor" "$fport" &
floor_pid=$!
sleep 0.3

rounds=${ROUNDS:-3} ukiyod_rate=0 nginx_rate=1 floor_rate=1
say "wrk -t2 -c$connections -d${duration}s, Docker Hub deliveries, a distinct tag each; $rounds rounds, the sides in turn"
for round in $(seq 1 "$rounds"); do
    say "round $round: ukiyod (each 202 synced), nginx (worker_processes ${NGINX_WORKERS:-auto}), libmicrohttpd alone (fixed 202s)"
    measure "$round" "http://127.0.0.1:$uport/hooks/$secret" "$ukiyod_pid" >>"$tmp/ukiyod.fig"
    # shellcheck disable=SC2046 # the workers' PIDs, one word each
    measure "$round" "http://127.0.0.1:$nport/hooks/x" "$nginx_pid" $(pgrep -P "$nginx_pid") >>"$tmp/nginx.fig"
    measure "$round" "http://127.0.0.1:$fport/hooks/x" "$floor_pid" >>"$tmp/floor.fig"
done
jobs=$(sqlite3 "$tmp/ukiyo.db" 'SELECT COUNT(*) FROM jobs' 2>/dev/null || echo "?")

# The round with the median rate.
median() { sort -n "$1" | sed -n "$(( ($(wc -l <"$1") + 1) / 2 ))p"; }

printf '\n%-14s %11s %8s %8s %7s %12s %9s\n' "" "requests/s" "p50 ms" "p99 ms" "errors" "server us/r" "wrk us/r"
for side in ukiyod nginx floor; do
    # shellcheck disable=SC2046 # the six figures, one word each
    set -- $(median "$tmp/$side.fig")
    label=$side
    [ "$side" = floor ] && label=libmicrohttpd
    printf '%-14s %11s %8s %8s %7s %12s %9s\n' "$label" "$1" "$2" "$3" "$4" "$5" "$6"
    case $side in
    ukiyod) ukiyod_rate=$1 ;;
    nginx) nginx_rate=$1 ;;
    floor) floor_rate=$1 ;;
    esac
done
printf 'ratio ukiyod/nginx: %s (ukiyod/libmicrohttpd alone: %s)\n' \
    "$(awk -v a="$ukiyod_rate" -v b="$nginx_rate" 'BEGIN {printf "%.2f", a / b}')" \
    "$(awk -v a="$ukiyod_rate" -v b="$floor_rate" 'BEGIN {printf "%.2f", a / b}')"
# The floors (see the top of this file).
"$build/bench/commit" 2000 "$tmp" >"$tmp/commit.out"
parse_us=$(awk '/^parse/ {print $NF}' "$tmp/commit.out")
store_us=$(awk -v g="G=$connections" '$2 == g {print $NF}' "$tmp/commit.out")
[ -n "$store_us" ] || store_us=$(awk '$2 == "G=32" {print $NF}' "$tmp/commit.out")
# shellcheck disable=SC2046 # the six figures, one word each
set -- $(median "$tmp/floor.fig")
http_us=$5
# shellcheck disable=SC2046
set -- $(median "$tmp/nginx.fig")
wrk_us=$6
awk -v h="$http_us" -v p="$parse_us" -v s="$store_us" -v w="$wrk_us" -v n="$(nproc)" \
    -v ng="$nginx_rate" -v c="$connections" 'BEGIN {
        t = h + p + s
        printf "ceiling: a durable ack needs at least %.1f us of server CPU (libmicrohttpd %.1f + parse %.1f + store in groups of %s %.1f) and %.1f of wrk;\n", t, h, p, c, s, w
        printf "         %d cores doing nothing else: at most %.0f acks/s, ratio to nginx %.2f\n", n, n * 1e6 / (t + w), n * 1e6 / (t + w) / ng
    }'
printf 'jobs in the store after the warm-ups and the rounds: %s (each 202 is one, synced: synchronous=FULL)\n' "$jobs"
printf 'rates per round: ukiyod %s; nginx %s; libmicrohttpd %s\n' \
    "$(cut -d' ' -f1 "$tmp/ukiyod.fig" | paste -sd/)" "$(cut -d' ' -f1 "$tmp/nginx.fig" | paste -sd/)" \
    "$(cut -d' ' -f1 "$tmp/floor.fig" | paste -sd/)"
