#!/bin/sh
# tools/image.sh [--compose] [BUILDDIR [TAG]] - build the ukiyod container
# image from this machine alone (no base image is pulled): compile
# (BUILDDIR, default build-image, configured as a release build), assemble a
# root filesystem of ukiyod, ukiyoctl, the shared libraries ldd says they
# load, the CA certificates and the time zones, and "docker build" the
# Dockerfile on it. TAG defaults to ukiyo/ukiyod:latest.
# --compose: the variant with Debian's docker-compose and the Python it runs
# on, so that ukiyod recreates compose projects the compose way (mount each
# project's directory at its own path); TAG defaults to ukiyo/ukiyod:compose.
# Extra labels: UKIYO_IMAGE_LABELS="k=v ...".
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tests/env/lib.sh"
with_compose=
if [ "${1:-}" = --compose ]; then
    with_compose=1
    shift
fi
build=${1:-$root/build-image}
tag=${2:-ukiyo/ukiyod:${with_compose:+compose}}
[ "$tag" != "ukiyo/ukiyod:" ] || tag=ukiyo/ukiyod:latest

ensure_packages $BUILD_PACKAGES ca-certificates docker.io binutils ${with_compose:+docker-compose}
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
# The packages docker-compose runs on: its Depends, followed among Python's
# packages only (the rest of what they name, dpkg and the like, is not run).
compose_packages() {
    todo=docker-compose seen=
    while [ -n "$todo" ]; do
        set -- $todo
        p=$1
        shift
        todo="$*"
        case " $seen " in *" $p "*) continue ;; esac
        package_installed "$p" || continue
        seen="$seen $p"
        todo="$todo $(dpkg-query -W -f='${Pre-Depends}, ${Depends}\n' "$p" | tr ',|' '\n\n' |
            sed -E 's/\(.*\)//; s/:any//; s/^ +//; s/ +$//' | grep -E '^(lib)?python3' || true)"
    done
    echo $seen
}
if [ -n "$with_compose" ]; then
    for p in $(compose_packages); do
        dpkg -L "$p" | while read -r f; do
            case $f in /usr/share/doc/* | /usr/share/man/* | /usr/share/lintian/*) continue ;; esac
            if [ -L "$f" ] || [ -f "$f" ]; then cp -P --parents "$f" "$rootfs"; fi
        done
    done
fi
# Every library the programs load, at the path the loader looks for it; the build's
# own libukiyo goes where the loader's default path finds it. With compose, also
# those of Python and of its extension modules.
objects="$build/ukiyod/ukiyod $build/ukiyoctl/ukiyoctl"
[ -z "$with_compose" ] || objects="$objects $(readlink -f /usr/bin/python3) $(find "$rootfs/usr/lib" -name '*.so' -type f)"
# shellcheck disable=SC2086
for lib in $(ldd $objects 2>/dev/null | awk '/=> \// {print $3} /^\t\/[^ ]*ld-linux/ {print $1}' | sort -u); do
    case $(basename "$lib") in
    libukiyo.so*) dest=/usr/lib/$(gcc -print-multiarch)/$(basename "$lib") ;;
    *) dest=$lib ;;
    esac
    mkdir -p "$rootfs$(dirname "$dest")"
    [ -e "$rootfs$dest" ] || cp -L "$lib" "$rootfs$dest"
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
