#!/bin/sh
# bench/update.sh - how long a service is down while it is updated, printed
# as figures (no assertions): a container publishing a port is probed every
# 10 ms from the host while it moves to a new image, ROUNDS times each way:
#
#   ukiyo   ukiyoctl update --strategy stop-first (pull first, then the swap,
#           gated for a settle period of 1 s)
#   naive   docker pull; docker stop; docker rm; docker run (the same flags)
#
# and, for start-first, the requests a prober on the same network sends by
# the container's name while ukiyoctl update --strategy start-first runs
# (goal: none fails). Prints each round, the medians, the ratio (goal: ukiyo
# at most 0.7 of naive) and each way's wall time. Loopback only.
#
#   bench/update.sh [BUILDDIR [ROUNDS]]   (default build 5)
set -eu
cd "$(dirname "$0")/.."
. tests/env/lib.sh

build=${1:-build}
rounds=${2:-5}
ukiyoctl=$build/ukiyoctl/ukiyoctl
[ -x "$ukiyoctl" ] || die "no $ukiyoctl: build first (meson setup $build && ninja -C $build)"
tests/env/setup.sh >/dev/null

tmp=$(mktemp -d /tmp/ukiyo-bench-update.XXXXXX)
name=ukiyo-bench-update-$$
net=ukiyo-bench-update-net-$$
repo=127.0.0.1:5000/ukiyo-bench/update-$$
ref=$repo:latest
cleanup() {
    docker_cli rm -f "$name" "$name-sf" "$name-prober" >/dev/null 2>&1 || true
    docker_cli network rm "$net" >/dev/null 2>&1 || true
    docker_cli rmi "$ref" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
push() { # push VERSION: ukiyo-test/http:VERSION becomes $ref in the registry
    docker_cli tag "ukiyo-test/http:$1" "$ref" && docker_cli push -q "$ref" >/dev/null
}
run_container() {
    docker_cli run -d --label ukiyo.test=bench --stop-timeout 1 -p "127.0.0.1:$port:8080" \
        --name "$name" "$ref" >/dev/null
}

# The prober: GET / every 10 ms (200 ms timeout) until $tmp/stop appears; one line per probe.
cat >"$tmp/probe.py" <<'EOF'
import os, sys, time, urllib.request
url, out, stop = sys.argv[1], sys.argv[2], sys.argv[3]
with open(out, "w") as f:
    while not os.path.exists(stop):
        t = time.monotonic()
        try:
            urllib.request.urlopen(url, timeout=0.2).read()
            ok = 1
        except Exception:
            ok = 0
        f.write("%.4f %d\n" % (t, ok))
        time.sleep(max(0, 0.01 - (time.monotonic() - t)))
EOF
# Downtime: from the first failed probe to the next good one (0 when none failed).
cat >"$tmp/downtime.py" <<'EOF'
import sys
rows = [l.split() for l in open(sys.argv[1])]
first = None
for t, ok in rows:
    if ok == "0" and first is None:
        first = float(t)
    if ok == "1" and first is not None:
        print("%.3f" % (float(t) - first)); sys.exit()
print("0.000" if first is None else "inf")
EOF
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

measure() { # measure WAY: one round, prints "downtime wall"
    rm -f "$tmp/stop"
    python3 "$tmp/probe.py" "http://127.0.0.1:$port/" "$tmp/probe" "$tmp/stop" &
    prober=$!
    sleep 0.3
    start=$(date +%s.%N)
    if [ "$1" = ukiyo ]; then
        "$ukiyoctl" --db "$tmp/ukiyo.db" update --strategy stop-first --min-uptime 1 "$name" \
            >/dev/null
    else
        docker_cli pull -q "$ref" >/dev/null
        docker_cli stop "$name" >/dev/null
        docker_cli rm "$name" >/dev/null
        run_container
    fi
    end=$(date +%s.%N)
    sleep 0.5
    touch "$tmp/stop"
    wait "$prober"
    echo "$(python3 "$tmp/downtime.py" "$tmp/probe") $(awk -v a="$end" -v b="$start" 'BEGIN {printf "%.3f", a - b}')"
}

push v1
run_container
sleep 1
version=v1
: >"$tmp/ukiyo.rounds"
: >"$tmp/naive.rounds"
say "bench/update: $rounds rounds each, the container's port probed every 10 ms"
for i in $(seq "$rounds"); do
    for way in ukiyo naive; do
        version=$([ "$version" = v1 ] && echo v2 || echo v1)
        push "$version"
        result=$(measure "$way")
        echo "$result" >>"$tmp/$way.rounds"
        printf '  round %d %-5s down %6s s   wall %6.2f s\n' "$i" "$way" ${result}
    done
done
u_down=$(cut -d' ' -f1 "$tmp/ukiyo.rounds" | median)
n_down=$(cut -d' ' -f1 "$tmp/naive.rounds" | median)
u_wall=$(cut -d' ' -f2 "$tmp/ukiyo.rounds" | median)
n_wall=$(cut -d' ' -f2 "$tmp/naive.rounds" | median)
echo "stop-first downtime, median: ukiyo $u_down s, naive $n_down s, ratio" \
    "$(awk -v a="$u_down" -v b="$n_down" 'BEGIN {printf "%.2f", b > 0 ? a / b : 0}') (goal <= 0.7)"
echo "wall time, median: ukiyo $u_wall s (pull, swap, 1 s settle gate), naive $n_wall s"

# start-first: no published port; a prober on the network asks by name.
docker_cli rm -f "$name" >/dev/null
docker_cli network create --label ukiyo.test=bench "$net" >/dev/null
docker_cli run -d --label ukiyo.test=bench --stop-timeout 1 --network "$net" \
    --label ukiyo.strategy=start-first --name "$name-sf" "$ref" >/dev/null
docker_cli run -d --label ukiyo.test=bench --network "$net" --name "$name-prober" \
    --entrypoint /bin/busybox ukiyo-test/http:v1 sh -c \
    "ok=0; bad=0; while [ ! -e /stop ]; do if wget -q -T 1 -O /dev/null http://$name-sf:8080/; \
     then ok=\$((ok+1)); else bad=\$((bad+1)); fi; sleep 0.01; done; echo \$ok \$bad > /result; \
     sleep 3600" >/dev/null
sleep 1
failed_total=0
for i in $(seq "$rounds"); do
    version=$([ "$version" = v1 ] && echo v2 || echo v1)
    push "$version"
    "$ukiyoctl" --db "$tmp/ukiyo.db" update --strategy start-first --min-uptime 1 "$name-sf" \
        >/dev/null
done
docker_cli exec "$name-prober" /bin/busybox touch /stop
sleep 2
set -- $(docker_cli exec "$name-prober" /bin/busybox cat /result)
echo "start-first, $rounds updates: $1 requests by name answered, $2 failed (goal 0)"
