#!/bin/sh
# check-image-compose.sh BUILDDIR: compose-native from the container. Build
# the image variant with Debian's docker-compose (tools/image.sh --compose),
# run it with the engine's socket and a compose project's directory mounted
# at its own path, point a registry's notifications at it, push a v2 of the
# project's image, and see compose itself recreate the service: history
# says strategy "compose", and docker-compose up -d afterwards changes
# nothing.
set -eu
build=$(cd "$1" && pwd)
env_dir=$(cd "$(dirname "$0")/env" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
. "$env_dir/lib.sh"
docker() { docker_cli "$@"; }

run="ukiyo-test-$$-cimage"
tag="ukiyo-test/ukiyod:compose-$$"
dir=/tmp/$run
tmp=$(mktemp -d)
reg_port=$(free_port)
port=$(free_port)
ref="127.0.0.1:$reg_port/ukiyo-test/capp:latest"
project() { (cd "$dir" && docker-compose -p "$run" "$@"); }
cleanup() {
    [ -n "${KEEP:-}" ] && return
    [ -d "$dir" ] && project down -v >/dev/null 2>&1 || true
    docker rm -f -v "$run-ukiyod" >/dev/null 2>&1 || true
    docker volume rm "$run-dbs" >/dev/null 2>&1 || true
    "$env_dir/registry.sh" stop "$run" >/dev/null 2>&1 || true
    # The pulls leave repo@digest references beside the tag: those go too.
    for d in $(docker images --digests --format '{{.Repository}}@{{.Digest}}' "${ref%:latest}" 2>/dev/null); do
        docker rmi "$d" >/dev/null 2>&1 || true
    done
    docker rmi "$tag" "$ref" >/dev/null 2>&1 || true
    rm -rf "$tmp" "$dir"
}
trap cleanup EXIT
fail() { echo "image (compose): $*" >&2; docker logs "$run-ukiyod" >&2 || true; exit 1; }

UKIYO_IMAGE_LABELS="ukiyo.test=1" "$root/tools/image.sh" --compose "$build" "$tag"

head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$tmp/webhook-secret"
"$env_dir/registry.sh" start "$run" "$reg_port" \
    --notify "http://127.0.0.1:$port/ukiyo-web-hook/$(cat "$tmp/webhook-secret")" >/dev/null

mkdir -p "$dir"
cat >"$dir/docker-compose.yml" <<YAML
version: "3.7"
services:
  web:
    image: $ref
    init: true
    labels: {ukiyo.test: "1", ukiyo.min-uptime: "1"}
    stop_grace_period: 1s
networks:
  default: {labels: {ukiyo.test: "1"}}
YAML

# ukiyod in its container, the project's directory where the host has it.
docker volume create --label ukiyo.test=1 "$run-dbs" >/dev/null
docker run -d --label ukiyo.test=1 --name "$run-ukiyod" --network host \
    -v /var/run/docker.sock:/var/run/docker.sock -v "$run-dbs:/dbs" \
    -v "$dir:$dir:ro" -v "$tmp/webhook-secret:/run/secrets/webhook-secret:ro" \
    -e UKIYO_WEBHOOK_SECRET_FILE=/run/secrets/webhook-secret \
    -e UKIYO_LISTEN="127.0.0.1:$port" "$tag" >/dev/null
wait_health "$port" "$tmp/health" || fail "ukiyod does not answer"
grep -q '"reachable":true' "$tmp/health" || fail "ukiyod does not reach the engine: $(cat "$tmp/health")"

# The first release only once ukiyod listens: a registry queues the events it
# could not deliver and sends them later, in order, so v1's would otherwise
# reach ukiyod after it started and hold v2's back behind their retries.
docker tag ukiyo-test/healthy:v1 "$ref" && docker push -q "$ref" >/dev/null
project up -d >/dev/null 2>&1 || fail "docker-compose up failed"
web="${run}_web_1"

v2=$(docker image inspect -f '{{.Id}}' ukiyo-test/healthy:v2)
# The push alone: its notification may reach ukiyod before any retag here would.
docker tag ukiyo-test/healthy:v2 "$ref" && docker push -q "$ref" >/dev/null
history() {
    docker run --rm --label ukiyo.test=1 -v "$run-dbs:/dbs" --entrypoint /usr/bin/ukiyoctl \
        "$tag" --db /dbs/ukiyo.db history --json "$web" >"$tmp/history"
}
for _ in $(seq 120); do
    history
    grep -q '"outcome": *"\(updated\|rolled-back\|failed\)"' "$tmp/history" && break
    sleep 0.5
done
grep -q '"outcome": *"updated"' "$tmp/history" || fail "no finished update: $(cat "$tmp/history")"
grep -q '"strategy": *"compose"' "$tmp/history" || fail "not recreated by compose: $(cat "$tmp/history")"
[ "$(docker inspect -f '{{.Image}}' "$web")" = "$v2" ] || fail "$web does not run v2"
out=$(project up -d 2>&1)
case $out in *Recreating* | *Creating*) fail "docker-compose up -d changed the project again: $out" ;; esac
echo "image (compose): ok ($(docker image inspect --format '{{.Size}}' "$tag") bytes; compose recreated $web on v2)"
