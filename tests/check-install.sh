#!/bin/sh
# check-install.sh BUILDDIR SRCDIR SANITIZE: "meson install" into a temporary
# DESTDIR puts everything where it belongs; the examples (and the example in
# libukiyo(3)) build against the installed copy with pkg-config alone, and run.
set -eu
build=$1 src=$2 sanitize=$3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
root=$tmp/root

meson install -C "$build" --destdir "$root" --no-rebuild --quiet >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log" >&2; exit 1; }
prefix=$(meson introspect "$build" --buildoptions |
    python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"))')
libdir=$(meson introspect "$build" --buildoptions |
    python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="libdir"))')
case $libdir in /*) ;; *) libdir=$prefix/$libdir ;; esac
fail() { echo "install: $*" >&2; exit 1; }

# Where everything goes.
for f in "$prefix/bin/ukiyoctl" "$prefix/sbin/ukiyod" "$prefix/include/ukiyo.h" \
    "$prefix/include/ukiyo/scheduler.h" "$prefix/include/ukiyo/version.h" \
    "$libdir/pkgconfig/libukiyo.pc" "$libdir/libukiyo.so" \
    "$prefix/share/man/man8/ukiyod.8" "$prefix/share/man/man1/ukiyoctl.1" \
    "$prefix/share/man/man3/libukiyo.3" "$prefix/share/man/man7/ukiyo-labels.7" \
    "$prefix/lib/systemd/system/ukiyod.service" \
    "$prefix/share/bash-completion/completions/ukiyoctl"; do
    [ -e "$root$f" ] || fail "missing $f"
done
soname=$(readelf -d "$root$libdir/libukiyo.so" | sed -n 's/.*SONAME.*\[\(.*\)\].*/\1/p')
[ "$soname" = "libukiyo.so.0" ] || fail "SONAME is '$soname', not libukiyo.so.0"
[ -e "$root$libdir/$soname" ] || fail "no $soname"
grep -q "^ExecStart=$prefix/sbin/ukiyod " "$root$prefix/lib/systemd/system/ukiyod.service" ||
    fail "the unit does not start the installed ukiyod"

# Test knobs live only in the *-testhooks programs the suites run: nothing installed holds one.
for f in $(find "$root" -type f \( -name 'libukiyo*' -o -name ukiyod -o -name ukiyoctl \)); do
    ! strings "$f" | grep -q UKIYO_TEST_ || fail "$f holds a UKIYO_TEST_ hook"
done
for f in "$build/libukiyo/libukiyo.so" "$build/libukiyo/libukiyo.a" "$build/ukiyod/ukiyod" \
    "$build/ukiyoctl/ukiyoctl"; do
    ! strings "$f" | grep -q UKIYO_TEST_ || fail "$f (default build) holds a UKIYO_TEST_ hook"
done

# Build the examples with pkg-config only; PKG_CONFIG_SYSROOT_DIR points it into DESTDIR.
export PKG_CONFIG_PATH="$root$libdir/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$root"
flags=$(pkg-config --cflags --libs libukiyo) || fail "pkg-config cannot find libukiyo"
extra=""
[ "$sanitize" = none ] || extra="-fsanitize=$sanitize"
awk '/^# EXAMPLE/ {on = 1} on && /^```/ {n++; next} on && n == 1' \
    "$src/man/libukiyo.3.scd" | sed 's/\\\\/\\/g' >"$tmp/man-example.c"
[ -s "$tmp/man-example.c" ] || fail "no example in libukiyo(3)"
for c in "$src"/examples/*.c "$tmp/man-example.c"; do
    # shellcheck disable=SC2086
    cc -std=c11 -Wall -Werror $extra "$c" $flags -o "$tmp/$(basename "$c" .c)" ||
        fail "$(basename "$c") does not build against the installed library"
done

# The installed library works: the webhook example parses a real payload with it.
out=$(LD_LIBRARY_PATH="$root$libdir" "$tmp/receive-webhook" \
    <"$src/tests/data/webhooks/distribution-v2-index.json")
echo "$out" | grep -q "^format: distribution, 1 tag(s) pushed" || fail "receive-webhook: $out"
ldd_out=$(LD_LIBRARY_PATH="$root$libdir" ldd "$tmp/receive-webhook")
echo "$ldd_out" | grep -q "libukiyo.so.0 => $root" || fail "not linked with the installed copy"

# The completion offers commands and options.
out=$(bash -c ". '$root$prefix/share/bash-completion/completions/ukiyoctl'
    COMP_WORDS=(ukiyoctl up); COMP_CWORD=1; _ukiyoctl; echo \"\${COMPREPLY[*]}\"")
[ "$out" = update ] || fail "completion of 'ukiyoctl up' gave '$out'"
echo "install: ok ($prefix, $soname, $(ls "$src"/examples/*.c | wc -l) examples + libukiyo(3)'s)"
