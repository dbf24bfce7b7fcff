#!/bin/sh
# tests/env/images.sh - build the test images FROM scratch with Debian's
# busybox-static. Local tags (never pushed anywhere but the loopback registry):
#   ukiyo-test/http:v1, :v2, :v3             busybox httpd answering "v1" / "v2" / "v3"
#   ukiyo-test/healthy:v1, :v2               the same with a passing HEALTHCHECK
#   ukiyo-test/unhealthy:latest              a HEALTHCHECK that always fails
#   ukiyo-test/exits:latest                  exits at once with status 3
#   ukiyo-test/crashes:latest                healthy at once, exits with status 7 after 3 s
#   ukiyo-test/sickens:latest                healthy at first, unhealthy for good after 5 s
set -eu
. "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx httpd ||
    ensure_packages busybox-static
busybox=/bin/busybox
# busybox-static installs /bin/busybox; refuse a dynamically linked one (FROM scratch has no libc).
if ldd "$busybox" >/dev/null 2>&1; then
    ensure_packages busybox-static
fi

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT

build() { # build TAG DIR [VERSION]
    tag=$1 dir=$2 version=${3:-v1}
    rm -rf "$ctx"/*
    cp "$here/images/$dir/Dockerfile" "$busybox" "$ctx/"
    DOCKER_BUILDKIT=0 docker_cli build -q --build-arg "VERSION=$version" -t "$tag" "$ctx" >/dev/null ||
        die "building $tag failed"
}

build ukiyo-test/http:v1 http v1
build ukiyo-test/http:v2 http v2
build ukiyo-test/http:v3 http v3
build ukiyo-test/healthy:v1 healthy v1
build ukiyo-test/healthy:v2 healthy v2
build ukiyo-test/unhealthy:latest unhealthy
build ukiyo-test/exits:latest exits
build ukiyo-test/crashes:latest crashes
build ukiyo-test/sickens:latest sickens
say "test images built"
