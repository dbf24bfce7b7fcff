#!/bin/sh
# tests/env/registry.sh - run a local CNCF distribution registry (Debian's
# docker-registry) on loopback, with the notifications endpoint and
# authentication a test chooses.
#
#   registry.sh start NAME PORT [--notify URL] [--htpasswd USER:PASS] [--auth-header VALUE]
#   registry.sh stop NAME
#
# State (config, storage, log, pid) lives in $UKIYO_ENV_STATE/registry-NAME.
set -eu
. "$(dirname "$0")/lib.sh"

cmd=${1:-}; name=${2:-}
[ -n "$cmd" ] && [ -n "$name" ] || die "usage: registry.sh start|stop NAME [PORT] [options]"
dir="$UKIYO_ENV_STATE/registry-$name"

stop_registry() {
    if [ -f "$dir/pid" ]; then
        kill "$(cat "$dir/pid")" 2>/dev/null || true
        rm -f "$dir/pid"
    fi
}

write_config() {
    port=$1 notify=$2 htpasswd=$3 auth_header=$4
    {
        echo "version: 0.1"
        echo "log: {level: warn, fields: {service: registry}}"
        echo "storage:"
        echo "  filesystem: {rootdirectory: $dir/data}"
        echo "  delete: {enabled: true}"
        echo "http:"
        echo "  addr: 127.0.0.1:$port"
        echo "  headers: {X-Content-Type-Options: [nosniff]}"
        if [ -n "$htpasswd" ]; then
            echo "auth:"
            echo "  htpasswd: {realm: ukiyo-test, path: $dir/htpasswd}"
        fi
        if [ -n "$notify" ]; then
            echo "notifications:"
            echo "  endpoints:"
            echo "    - name: ukiyo"
            echo "      url: $notify"
            echo "      timeout: 2s"
            echo "      threshold: 3"
            echo "      backoff: 1s"
            if [ -n "$auth_header" ]; then
                echo "      headers: {Authorization: [\"$auth_header\"]}"
            fi
        fi
    } >"$dir/config.yml"
}

case "$cmd" in
start)
    port=${3:-}; [ -n "$port" ] || die "start needs a PORT"
    shift 3
    notify="" htpasswd="" auth_header=""
    while [ $# -gt 0 ]; do
        case "$1" in
        --notify) notify=$2; shift 2 ;;
        --htpasswd) htpasswd=$2; shift 2 ;;
        --auth-header) auth_header=$2; shift 2 ;;
        *) die "unknown option $1" ;;
        esac
    done
    command -v docker-registry >/dev/null || ensure_packages docker-registry
    stop_registry
    mkdir -p "$dir/data"
    if [ -n "$htpasswd" ]; then
        command -v htpasswd >/dev/null || ensure_packages apache2-utils
        # The registry accepts bcrypt entries only.
        htpasswd -Bbn "${htpasswd%%:*}" "${htpasswd#*:}" >"$dir/htpasswd"
    fi
    write_config "$port" "$notify" "$htpasswd" "$auth_header"
    nohup docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
    echo $! >"$dir/pid"
    for _ in $(seq 1 50); do
        code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/" || true)
        case "$code" in 200|401) exit 0 ;; esac
        sleep 0.1
    done
    cat "$dir/log" >&2
    die "registry $name did not answer on 127.0.0.1:$port"
    ;;
stop)
    stop_registry
    rm -rf "$dir"
    ;;
*) die "unknown command $cmd" ;;
esac
