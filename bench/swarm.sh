#!/bin/sh
# bench/swarm.sh - how long a swarm service takes to reach a new image,
# printed as figures (no assertions): the time from the push of a new
# release to every task running it, for REPLICAS services (default 1 and
# 10), ROUNDS times each way, in the same run:
#
#   ukiyo   ukiyod told of the push by a webhook (what a registry sends);
#           it resolves the digest and updates the service itself
#   hand    docker service update --image REF, typed right after the push
#
# Both ways let the service's UpdateConfig (here: parallelism 1, delay 0,
# monitor 1 s) replace the tasks, so most of the time is the engine's; what
# differs is what each does around it. The tasks run under an init (--init):
# busybox httpd as PID 1 ignores SIGTERM, and each stop would wait out its
# 10 s grace period, on both sides alike. On a single-node swarm made here
# (docker swarm init --advertise-addr 127.0.0.1, left again at the end) when
# the engine is in none. Loopback only.
#
#   bench/swarm.sh [BUILDDIR [ROUNDS [REPLICAS...]]]   (default build 3 1 10)
set -eu
cd "$(dirname "$0")/.."
. tests/env/lib.sh

build=${1:-build}
rounds=${2:-3}
if [ $# -ge 2 ]; then shift 2; else set --; fi
[ $# -gt 0 ] || set -- 1 10
ensure_packages curl python3
[ -x "$build/ukiyod/ukiyod" ] || die "no $build/ukiyod/ukiyod: build first (meson setup $build && ninja -C $build)"
tests/env/setup.sh >/dev/null

tmp=$(mktemp -d /tmp/ukiyo-bench-swarm.XXXXXX)
svc=ukiyo-bench-swarm-$$
repo=127.0.0.1:5000/ukiyo-bench/swarm-$$
ref=$repo:latest
made_swarm=false ukiyod_pid=""
cleanup() {
    [ -n "$ukiyod_pid" ] && kill "$ukiyod_pid" 2>/dev/null && wait "$ukiyod_pid" 2>/dev/null
    docker_cli service rm "$svc" >/dev/null 2>&1 || true
    for _ in $(seq 1 60); do
        [ -z "$(docker_cli ps -aq --filter "label=com.docker.swarm.service.name=$svc")" ] && break
        sleep 0.5
    done
    digests=$(docker_cli images --digests --format '{{.Repository}}@{{.Digest}}' "$repo" 2>/dev/null |
        grep -v '<none>' || true)
    # shellcheck disable=SC2086
    [ -z "$digests" ] || docker_cli rmi $digests >/dev/null 2>&1 || true
    docker_cli rmi "$ref" >/dev/null 2>&1 || true
    $made_swarm && docker_cli swarm leave --force >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

if [ "$(docker_cli info --format '{{.Swarm.LocalNodeState}}')" = inactive ]; then
    docker_cli swarm init --advertise-addr 127.0.0.1 >/dev/null
    made_swarm=true
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$build/ukiyod/ukiyod" --listen "127.0.0.1:$port" --db "$tmp/ukiyo.db" 2>"$tmp/ukiyod.log" &
ukiyod_pid=$!
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null 2>&1 && break
    sleep 0.1
done
secret=$(cat "$tmp/webhook-secret")

now() { date +%s.%N; }
push() { # push LOCAL: the release under $ref
    docker_cli tag "$1" "$ref" && docker_cli push -q "$ref" >/dev/null
}
# Wait until every running task of the service runs @digest and there are @replicas of them.
converged() { # converged DIGEST REPLICAS
    for _ in $(seq 1 1200); do
        tasks=$(docker_cli service ps -q --filter desired-state=running "$svc")
        # shellcheck disable=SC2086
        imgs=$([ -z "$tasks" ] || docker_cli inspect --format \
            '{{.Spec.ContainerSpec.Image}} {{.Status.State}}' $tasks)
        n=$(printf '%s\n' "$imgs" | grep -c "@$1 running" || true)
        total=$(printf '%s\n' "$imgs" | grep -c . || true)
        [ "$n" -eq "$2" ] && [ "$total" -eq "$2" ] && return 0
        sleep 0.1
    done
    die "the service did not reach $1"
}
# Before the next round: the update's status has ended (and ukiyod has seen it end).
settled() {
    for _ in $(seq 1 600); do
        state=$(docker_cli service inspect --format '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' "$svc")
        case $state in '' | completed | rollback_completed | paused | rollback_paused) break ;; esac
        sleep 0.1
    done
    sleep 1
}
digest_of() { docker_cli inspect --format '{{index .RepoDigests 0}}' "$ref" | sed 's/.*@//'; }

say "swarm: $(docker_cli version --format '{{.Server.Version}}'), $rounds rounds, replicas: $*"
printf '%-9s %-6s %5s %10s\n' replicas way round seconds
results=$tmp/results
for replicas in "$@"; do
    push ukiyo-test/http:v1
    docker_cli service create -q --detach=false --name "$svc" --label ukiyo.test=1 \
        --container-label ukiyo.test=1 --replicas "$replicas" --init --update-delay 0s \
        --update-parallelism 1 --update-monitor 1s "$ref" >/dev/null
    next=v2
    for round in $(seq 1 "$rounds"); do
        for way in ukiyo hand; do
            t0=$(now)
            push "ukiyo-test/http:$next"
            d=$(digest_of)
            if [ "$way" = ukiyo ]; then
                curl -sf -o /dev/null -X POST -d "{\"image\":\"$ref\"}" \
                    "http://127.0.0.1:$port/hooks/$secret"
            else
                docker_cli service update -q --detach=true --image "$ref" "$svc" >/dev/null
            fi
            converged "$d" "$replicas"
            t1=$(now)
            settled
            s=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
            printf '%-9s %-6s %5s %10s\n' "$replicas" "$way" "$round" "$s"
            echo "$replicas $way $s" >>"$results"
            next=$([ "$next" = v2 ] && echo v1 || echo v2)
        done
    done
    docker_cli service rm "$svc" >/dev/null
    for _ in $(seq 1 60); do
        [ -z "$(docker_cli ps -aq --filter "label=com.docker.swarm.service.name=$svc")" ] && break
        sleep 0.5
    done
done

echo
printf '%-9s %12s %12s %7s\n' replicas "ukiyo median" "hand median" ratio
for replicas in "$@"; do
    u=$(awk -v r="$replicas" '$1 == r && $2 == "ukiyo" {print $3}' "$results" | sort -n |
        awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
    h=$(awk -v r="$replicas" '$1 == r && $2 == "hand" {print $3}' "$results" | sort -n |
        awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
    printf '%-9s %12s %12s %7s\n' "$replicas" "$u" "$h" \
        "$(awk -v a="$u" -v b="$h" 'BEGIN {printf "%.2f", a / b}')"
done
