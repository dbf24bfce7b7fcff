#!/bin/sh
# tools/image.sh [BUILDDIR [TAG]] - build the ukiyod container image from
# this machine alone (no base image is pulled): compile (BUILDDIR, default
# build-image, configured as a release build), assemble a root filesystem
# of ukiyod, ukiyoctl, the shared libraries ldd says they load, the CA
# certificates and the time zones, and "docker build" the Dockerfile on it.
# TAG defaults to ukiyo/ukiyod:latest. Extra labels: UKIYO_IMAGE_LABELS="k=v ...".
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tests/env/lib.sh"
build=${1:-$root/build-image}
tag=${2:-ukiyo/ukiyod:latest}

ensure_packages $BUILD_PACKAGES ca-certificates docker.io binutils
if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" "$root" --buildtype=release -Dtests=false -Dman=disabled >/dev/null
fi
# meson compile says what went wrong on standard output: show it when it fails.
log=$(mktemp)
meson compile -C "$build" ukiyod ukiyoctl >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; die "cannot build ukiyod in $build"; }
rm -f "$log"

ctx=$(mktemp -d); trap 'rm -rf "$ctx"' EXIT
rootfs=$ctx/rootfs
mkdir -p "$rootfs/usr/bin" "$rootfs/usr/sbin" "$rootfs/dbs" "$rootfs/tmp" "$rootfs/etc/ssl/certs"
chmod 1777 "$rootfs/tmp"
chmod 0700 "$rootfs/dbs"
install -m 0755 "$build/ukiyod/ukiyod" "$rootfs/usr/sbin/ukiyod"
install -m 0755 "$build/ukiyoctl/ukiyoctl" "$rootfs/usr/bin/ukiyoctl"
# Every library the programs load, at the path the loader looks for it; the build's
# own libukiyo goes where the loader's default path finds it.
for lib in $(ldd "$build/ukiyod/ukiyod" "$build/ukiyoctl/ukiyoctl" | awk '/=> \// {print $3} /^\t\/[^ ]*ld-linux/ {print $1}' | sort -u); do
    case $(basename "$lib") in
    libukiyo.so*) dest=/usr/lib/$(gcc -print-multiarch)/$(basename "$lib") ;;
    *) dest=$lib ;;
    esac
    mkdir -p "$rootfs$(dirname "$dest")"
    cp -L "$lib" "$rootfs$dest"
done
strip --strip-unneeded "$rootfs/usr/sbin/ukiyod" "$rootfs/usr/bin/ukiyoctl" 2>/dev/null || true
[ -f /etc/ssl/certs/ca-certificates.crt ] && cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/"
[ -d /usr/share/zoneinfo ] && mkdir -p "$rootfs/usr/share" && cp -a /usr/share/zoneinfo "$rootfs/usr/share/"
printf 'root:x:0:0:root:/:/usr/sbin/ukiyod\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\n' >"$rootfs/etc/group"
printf '127.0.0.1 localhost\n::1 localhost\n' >"$rootfs/etc/hosts"
printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
cp "$root/Dockerfile" "$ctx/Dockerfile"

labels=""
for l in ${UKIYO_IMAGE_LABELS:-}; do labels="$labels --label $l"; done
# shellcheck disable=SC2086
DOCKER_BUILDKIT=0 docker_cli build -q $labels -t "$tag" "$ctx" >/dev/null
echo "$tag: $(docker_cli image inspect --format '{{.Size}}' "$tag" | awk '{printf "%.1f MB", $1/1e6}')"
