#!/bin/sh
# tests/env/setup.sh - everything the integration tests and benchmarks need:
# the Docker engine, the loopback registry on 127.0.0.1:5000, the test
# images; and leftovers of a crashed earlier run removed.
set -eu
. "$(dirname "$0")/lib.sh"

ensure_packages docker.io docker-registry docker-compose busybox-static apache2-utils curl openssl
ensure_engine

leftovers=$(docker_cli ps -aq --filter label=ukiyo.test)
if [ -n "$leftovers" ]; then
    say "removing containers left by an earlier run, and the volumes they mount"
    # ukiyo re-mounts a replaced container's anonymous volumes by name, which "rm -v" keeps.
    # shellcheck disable=SC2086
    vols=$(docker_cli inspect --format \
        '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}' $leftovers)
    # shellcheck disable=SC2086
    docker_cli rm -f -v $leftovers >/dev/null
    # shellcheck disable=SC2086
    [ -z "$vols" ] || docker_cli volume rm $vols >/dev/null 2>&1 || true
fi
stale_images=$(docker_cli images --format '{{.Repository}}:{{.Tag}}' | grep 'ukiyo-test-[0-9]' |
    grep -v '<none>' || true)
# shellcheck disable=SC2086
[ -z "$stale_images" ] || docker_cli rmi -f $stale_images >/dev/null 2>&1 || true
# Pulled by digest, or left without a tag when a test moved it: repo@digest.
stale_refs=$(docker_cli images --digests --format '{{.Repository}}@{{.Digest}} {{.Tag}}' |
    grep 'ukiyo-test-[0-9]' | awk '$2 == "<none>" && $1 !~ /@<none>$/ {print $1}' || true)
# shellcheck disable=SC2086
[ -z "$stale_refs" ] || docker_cli rmi $stale_refs >/dev/null 2>&1 || true
docker_cli image prune -f --filter label=ukiyo.test >/dev/null 2>&1 || true
docker_cli network prune -f --filter label=ukiyo.test >/dev/null 2>&1 || true
docker_cli volume prune -f --filter label=ukiyo.test >/dev/null 2>&1 || true

"$(dirname "$0")/registry.sh" start main 5000
"$(dirname "$0")/images.sh"
