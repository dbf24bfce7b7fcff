#!/bin/sh
# check-image.sh BUILDDIR: the container mode, for real. Build the ukiyod image
# with tools/image.sh (no base image pulled), run it with the engine's socket
# mounted and its database on a /dbs volume, point a registry's notifications
# at it, push a v2 of a watched image, and see the sibling container updated.
set -eu
build=$(cd "$1" && pwd)
env_dir=$(cd "$(dirname "$0")/env" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
. "$env_dir/lib.sh"
docker() { docker_cli "$@"; }

run="ukiyo-test-$$-image"
tag="ukiyo-test/ukiyod:$$"
tmp=$(mktemp -d)
reg_port=$(free_port)
port=$(free_port)
cleanup() {
    [ -n "${KEEP:-}" ] && return
    docker logs "$run-ukiyod" >"$tmp/ukiyod.log" 2>&1 || true
    ids=$(docker ps -aq --filter label=ukiyo.test --filter "name=$run-")
    if [ -n "$ids" ]; then
        # The updated sibling mounts its old anonymous volume by name: rm -v keeps those.
        vols=$(docker inspect --format '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}' $ids)
        docker rm -f -v $ids >/dev/null 2>&1 || true
        [ -z "$vols" ] || docker volume rm $vols >/dev/null 2>&1 || true
    fi
    docker volume rm "$run-dbs" >/dev/null 2>&1 || true
    "$env_dir/registry.sh" stop "$run" >/dev/null 2>&1 || true
    # The pulls leave repo@digest references beside the tag: those go too.
    for d in $(docker images --digests --format '{{.Repository}}@{{.Digest}}' "127.0.0.1:$reg_port/ukiyo-test/app" 2>/dev/null); do
        docker rmi "$d" >/dev/null 2>&1 || true
    done
    docker rmi "$tag" "127.0.0.1:$reg_port/ukiyo-test/app:latest" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "image: $*" >&2; cat "$tmp/ukiyod.log" 2>/dev/null >&2 || docker logs "$run-ukiyod" >&2 || true; exit 1; }

UKIYO_IMAGE_LABELS="ukiyo.test=1" "$root/tools/image.sh" "$build" "$tag"

# The secret as a mounted file (the way Docker secrets arrive); the database on a volume.
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$tmp/webhook-secret"
docker volume create --label ukiyo.test=1 "$run-dbs" >/dev/null
docker run -d --label ukiyo.test=1 --name "$run-ukiyod" --network host \
    -v /var/run/docker.sock:/var/run/docker.sock -v "$run-dbs:/dbs" \
    -v "$tmp/webhook-secret:/run/secrets/webhook-secret:ro" \
    -e UKIYO_WEBHOOK_SECRET_FILE=/run/secrets/webhook-secret \
    -e UKIYO_LISTEN="127.0.0.1:$port" "$tag" >/dev/null
wait_health "$port" "$tmp/health" || true
grep -q '"reachable":true' "$tmp/health" || fail "ukiyod in its container does not reach the engine: $(cat "$tmp/health")"

# A registry that tells the containerised ukiyod about pushes, and a sibling on it.
"$env_dir/registry.sh" start "$run" "$reg_port" \
    --notify "http://127.0.0.1:$port/ukiyo-web-hook/$(cat "$tmp/webhook-secret")" >/dev/null
ref="127.0.0.1:$reg_port/ukiyo-test/app:latest"
docker tag ukiyo-test/http:v1 "$ref" && docker push -q "$ref" >/dev/null
docker run -d --label ukiyo.test=1 -l ukiyo.min-uptime=1 --stop-timeout 1 --name "$run-web" \
    "$ref" >/dev/null
serves() { docker exec "$run-web" /bin/busybox wget -q -O- http://127.0.0.1:8080/ 2>/dev/null; }
[ "$(serves)" = v1 ] || fail "the sibling does not serve v1"

docker tag ukiyo-test/http:v2 "$ref" && docker push -q "$ref" >/dev/null
for i in $(seq 120); do
    [ "$(serves)" = v2 ] && break
    sleep 0.5
done
[ "$(serves)" = v2 ] || fail "the sibling was not updated to v2"
# The update is in the database on the volume (once its health gate passed), and
# ukiyoctl in the image reads it.
for i in $(seq 60); do
    docker run --rm --label ukiyo.test=1 -v "$run-dbs:/dbs" --entrypoint /usr/bin/ukiyoctl \
        "$tag" --db /dbs/ukiyo.db history --json "$run-web" >"$tmp/history"
    grep -q '"outcome": *"updated"' "$tmp/history" && break
    sleep 0.5
done
grep -q '"outcome": *"updated"' "$tmp/history" || fail "no finished update in /dbs: $(cat "$tmp/history")"
echo "image: ok ($(docker image inspect --format '{{.Size}}' "$tag") bytes; the sibling went v1 -> v2)"
