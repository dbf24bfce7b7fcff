# tests/env/lib.sh - shell helpers shared by tools/*.sh and tests/env/*.sh.
# Sourced, not run. Everything here is idempotent: it does only what is missing.

UKIYO_ENV_STATE=${UKIYO_ENV_STATE:-/var/lib/ukiyo-test}

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The docker client matching Debian's engine, else whatever is on PATH.
docker_cli() {
    if [ -x /usr/bin/docker ]; then /usr/bin/docker "$@"; else docker "$@"; fi
}

package_installed() { # package_installed PKG
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

# ensure_packages PKG...: apt-get install those not installed yet.
ensure_packages() {
    missing=""
    for p in "$@"; do
        package_installed "$p" || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    [ "$(id -u)" = 0 ] || die "need root to install:$missing"
    say "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || die "apt-get update failed"
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
        die "apt-get install failed:$missing"
}

# tzdata: update windows read their time zones from /usr/share/zoneinfo (CRON_TZ=...).
BUILD_PACKAGES="build-essential meson ninja-build pkg-config libcurl4-openssl-dev libjansson-dev
    libsqlite3-dev libmicrohttpd-dev libssl-dev libyaml-dev check tzdata scdoc"

# ensure_browser: Debian's chromium, and node with npm (Debian's packages
# where the machine has none; a node that brings its own npm is kept).
ensure_browser() {
    ensure_packages chromium
    command -v node >/dev/null 2>&1 || ensure_packages nodejs
    command -v npm >/dev/null 2>&1 || ensure_packages npm
}

# free_port: a TCP port on loopback nobody listens on now.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_health PORT FILE: until ukiyod on PORT answers its health route (10 s); the answer in FILE.
wait_health() {
    for _ in $(seq 50); do
        curl -sf "http://127.0.0.1:$1/api/v1/health" >"$2" 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}

engine_answers() {
    curl -sf --max-time 3 --unix-socket /var/run/docker.sock http://localhost/_ping >/dev/null 2>&1
}

# engine_works: the engine answers more than its ping, each within 15 s: the info,
# container and network lists every suite reads. A wedged dockerd (a goroutine holding a
# container's or the network controller's lock for ever) still answers _ping.
engine_works() {
    for path in _ping info 'containers/json?all=1' networks; do
        curl -sf --max-time 15 --unix-socket /var/run/docker.sock "http://localhost/$path" \
            >/dev/null 2>&1 || return 1
    done
}

# engine_report: what a dockerd that stopped answering is doing, for the log: the
# goroutines that have waited a minute or longer on a lock, or inside an API request,
# alike stacks counted once (the whole dump is kept in $1); the tail of its log, disk and
# memory.
engine_report() { # engine_report DUMPFILE
    curl -s --max-time 30 --unix-socket /var/run/docker.sock \
        'http://localhost/debug/pprof/goroutine?debug=2' >"$1" 2>/dev/null || true
    say "dockerd: $(grep -c '^goroutine ' "$1" || true) goroutines (all in $1); stuck for minutes:"
    awk '
        function flush() {
            if (header ~ /minutes\]:$/ && (header ~ /semacquire|sync\.(RW)?Mutex/ || api)) {
                state = header
                sub(/^goroutine [0-9]+ \[/, "", state)
                sub(/,.*$/, "", state)
                count["[" state "]\n" frames]++
            }
            header = ""
        }
        /^goroutine [0-9]+ \[/ { flush(); header = $0; frames = ""; depth = 0; api = 0; next }
        header == "" || /^\t/ { next }
        /^$/ { flush(); next }
        {
            f = $0
            if (f ~ /\)$/) sub(/\([^(]*$/, "", f)
            if (f ~ /api\/server\/router/) api = 1
            if (depth++ < 16) frames = frames "    " f "\n"
        }
        END { flush(); for (k in count) printf "%d x %s", count[k], k }
    ' "$1" | head -300 >&2
    [ -f /var/log/ukiyo-dockerd.log ] && tail -30 /var/log/ukiyo-dockerd.log >&2
    df -h /var/lib/docker /tmp >&2 || true
    free -m >&2 || true
}

# engine_restart: stop a dockerd that no longer answers, and the containerd it runs, then
# start it again (the containers' shims live on; dockerd finds them).
engine_restart() {
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active -q docker 2>/dev/null; then
        systemctl restart docker || die "systemctl restart docker failed"
        for _ in $(seq 60); do
            engine_works && return 0
            sleep 0.5
        done
    else
        for pidfile in /var/run/docker.pid /var/run/docker/containerd/containerd.pid; do
            pid=$(cat "$pidfile" 2>/dev/null || true)
            [ -n "$pid" ] || continue
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 60); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.5
            done
            kill -KILL "$pid" 2>/dev/null || true
            rm -f "$pidfile"
        done
    fi
    ensure_engine
    engine_works || die "the Docker engine does not answer after a restart"
}

# ensure_engine: start dockerd when nothing answers on the socket.
ensure_engine() {
    engine_answers && return 0
    command -v dockerd >/dev/null || ensure_packages docker.io
    command -v dockerd >/dev/null || die "no dockerd after installing docker.io"
    # A dockerd ended with an earlier session leaves its pid file behind.
    if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
        rm -f /var/run/docker.pid
    fi
    say "starting dockerd (log: /var/log/ukiyo-dockerd.log)"
    nohup dockerd >>/var/log/ukiyo-dockerd.log 2>&1 &
    for _ in $(seq 1 60); do
        engine_answers && return 0
        sleep 0.5
    done
    tail -20 /var/log/ukiyo-dockerd.log >&2
    die "dockerd did not answer within 30 s"
}
