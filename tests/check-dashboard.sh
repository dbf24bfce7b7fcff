#!/bin/sh
# check-dashboard.sh BUILDDIR: the dashboard in a real browser. Installs
# Debian's chromium and node, and playwright-core from npm into
# BUILDDIR/browser; starts a loopback registry that tells a ukiyod of this
# build about pushes, two containers on one tag (one monitor-only, one that
# waits for approval), and runs tests/browser/dashboard.js against the page.
# The screenshot stays in BUILDDIR/dashboard.png.
set -eu
build=$(cd "$1" && pwd)
env_dir=$(cd "$(dirname "$0")/env" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
. "$env_dir/lib.sh"
docker() { docker_cli "$@"; }
PLAYWRIGHT_VERSION=1.65.2

ensure_browser
if [ ! -f "$build/browser/node_modules/playwright-core/package.json" ] ||
    ! grep -q "\"version\": \"$PLAYWRIGHT_VERSION\"" "$build/browser/node_modules/playwright-core/package.json"; then
    mkdir -p "$build/browser"
    npm install --prefix "$build/browser" --no-audit --no-fund --no-save \
        "playwright-core@$PLAYWRIGHT_VERSION" >"$build/browser/npm.log" 2>&1 ||
        { cat "$build/browser/npm.log" >&2; die "npm could not install playwright-core"; }
fi

run="ukiyo-test-$$-dash"
tmp=$(mktemp -d /tmp/ukiyo-test-dash.XXXXXX)
reg_port=$(free_port)
port=$(free_port)
ref="127.0.0.1:$reg_port/ukiyo-test/dash:stable"
cleanup() {
    [ -n "${KEEP:-}" ] && return
    "$tmp/ukiyod-ctl" stop >/dev/null 2>&1 || true
    ids=$(docker ps -aq --filter label=ukiyo.test --filter "name=$run-")
    if [ -n "$ids" ]; then
        vols=$(docker inspect --format '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}' $ids)
        docker rm -f -v $ids >/dev/null 2>&1 || true
        [ -z "$vols" ] || docker volume rm $vols >/dev/null 2>&1 || true
    fi
    "$env_dir/registry.sh" stop "$run" >/dev/null 2>&1 || true
    for d in $(docker images --digests --format '{{.Repository}}@{{.Digest}}' "127.0.0.1:$reg_port/ukiyo-test/dash" 2>/dev/null); do
        docker rmi "$d" >/dev/null 2>&1 || true
    done
    docker rmi "$ref" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "dashboard: $*" >&2; tail -50 "$tmp/ukiyod.log" >&2 || true; exit 1; }

# ukiyod of this build, stopped and started again by the browser test (same database).
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$tmp/webhook-secret"
mkdir "$tmp/db"
cat >"$tmp/ukiyod-ctl" <<CTL
#!/bin/sh
case "\$1" in
start)
    "$build/ukiyod/ukiyod" --listen 127.0.0.1:$port --db "$tmp/db/ukiyo.db" \\
        --webhook-secret-file "$tmp/webhook-secret" --log-level debug >>"$tmp/ukiyod.log" 2>&1 &
    echo \$! >"$tmp/ukiyod.pid"
    . "$env_dir/lib.sh"
    wait_health $port "$tmp/health" ;;
stop)
    pid=\$(cat "$tmp/ukiyod.pid" 2>/dev/null) || exit 0
    kill "\$pid" 2>/dev/null || exit 0
    for _ in \$(seq 100); do kill -0 "\$pid" 2>/dev/null || exit 0; sleep 0.1; done
    kill -9 "\$pid" 2>/dev/null || true ;;
esac
CTL
chmod +x "$tmp/ukiyod-ctl"
"$tmp/ukiyod-ctl" start || fail "ukiyod did not start"

"$env_dir/registry.sh" start "$run" "$reg_port" \
    --notify "http://127.0.0.1:$port/ukiyo-web-hook/$(cat "$tmp/webhook-secret")" >/dev/null
docker tag ukiyo-test/http:v1 "$ref" && docker push -q "$ref" >/dev/null
docker run -d --label ukiyo.test=1 -l ukiyo.monitor-only=true --stop-timeout 1 \
    --name "$run-watch" "$ref" >/dev/null
docker run -d --label ukiyo.test=1 -l ukiyo.approve=true -l ukiyo.min-uptime=1 --stop-timeout 1 \
    --name "$run-gate" "$ref" >/dev/null

UKIYO_URL="http://127.0.0.1:$port" UKIYO_TOKEN=$(cat "$tmp/db/api-token") UKIYO_REF="$ref" \
    UKIYO_V2=ukiyo-test/http:v2 UKIYO_WATCH="$run-watch" UKIYO_GATE="$run-gate" \
    UKIYO_SCREENSHOT="$build/dashboard.png" UKIYO_RESTART="$tmp/ukiyod-ctl" \
    DOCKER=/usr/bin/docker NODE_PATH="$build/browser/node_modules" \
    node "$here/browser/dashboard.js" || fail "the browser test failed (screenshot: $build/dashboard-failed.png)"
