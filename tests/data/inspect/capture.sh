#!/bin/sh
# tests/data/inspect/capture.sh - make the inspect documents test_recreate
# reads: containers created (never started) on the local engine with the
# settings each case names, their `docker inspect` saved as CASE.json and
# their image's as IMAGE.image.json, then removed. Run it by hand, on a
# machine with the test images (tests/env/images.sh), when a case is added;
# test_recreate itself needs no engine.
set -eu
cd "$(dirname "$0")"
p=ukiyo-capture-$$
cleanup() {
    docker rm -f -v $(docker ps -aq --filter label=ukiyo.test=capture) >/dev/null 2>&1 || true
    docker network rm "$p-front" "$p-back" >/dev/null 2>&1 || true
    docker volume rm "$p-data" >/dev/null 2>&1 || true
}
trap cleanup EXIT
docker network create --label ukiyo.test=capture "$p-front" >/dev/null
docker network create --label ukiyo.test=capture "$p-back" >/dev/null
docker volume create --label ukiyo.test=capture "$p-data" >/dev/null

save() { # save CASE CONTAINER
    docker inspect "$2" | python3 -c 'import json,sys; json.dump(json.load(sys.stdin)[0], sys.stdout, indent=1, sort_keys=True)' >"$1.json"
}
make() { # make CASE docker-create-arguments...
    name=$1; shift
    docker create --label ukiyo.test=capture --name "$p-$name" "$@" >/dev/null
    save "$name" "$p-$name"
}

# Nothing given but the image: everything else is the image's.
make plain ukiyo-test/http:v2
# What a user sets, of every kind.
make settings -e GIVEN=1 -e UKIYO_TEST_VERSION=v2 -l team=web -p 127.0.0.1:18080:8080 \
    -p 9090 -v "$p-data:/srv" -v /cache -v /tmp:/host-tmp:ro --restart unless-stopped \
    --hostname web.example --user 1000:1000 --workdir /tmp --entrypoint /bin/busybox \
    --health-cmd 'true' --health-interval 5s --memory 64m \
    ukiyo-test/http:v2 httpd -f -p 8080
# Two user networks, with an alias on each.
make networks --network "$p-front" --network-alias web ukiyo-test/http:v2
docker network connect --alias api "$p-back" "$p-networks"
save networks "$p-networks"
# Another container's network namespace, and a legacy link on the default bridge.
make target ukiyo-test/http:v2
make shared --network "container:$p-target" ukiyo-test/http:v2
make linked --link "$p-target:db" ukiyo-test/http:v2
# The image's own HEALTHCHECK, partly overridden.
make health --health-interval 7s --health-retries 2 ukiyo-test/healthy:v2

docker image inspect ukiyo-test/http:v2 | python3 -c 'import json,sys; json.dump(json.load(sys.stdin)[0], sys.stdout, indent=1, sort_keys=True)' >http-v2.image.json
docker image inspect ukiyo-test/healthy:v2 | python3 -c 'import json,sys; json.dump(json.load(sys.stdin)[0], sys.stdout, indent=1, sort_keys=True)' >healthy-v2.image.json
# The container names carry the capture's prefix: make them stable.
sed -i "s/$p/cap/g" ./*.json
