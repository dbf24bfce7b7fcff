#!/bin/sh
# check-symbols.sh LIB SRCDIR STATICLIB: the library exports exactly the
# symbols that libukiyo.sym lists, and those are exactly the UKIYO_EXTERN
# functions of the public headers; the static library defines nothing
# outside ukiyo's names: the public ukiyo_ ones and the internal ukiyo__.
set -eu
lib=$1 src=$2 static=$3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

nm -D --defined-only "$lib" | awk '$2 == "T" {print $3}' | sed 's/@.*//' | sort -u >"$tmp/exported"
sed -n 's/^    \([a-z_0-9]*\);$/\1/p' "$src/libukiyo.sym" | sort -u >"$tmp/map"
# A declaration may break after its return type: join it up to the "(".
cat "$src"/include/ukiyo/*.h "$src"/include/ukiyo/*.h.in | sed -e ':a' -e '/^UKIYO_EXTERN[^(]*$/{N;s/\n/ /;ba' -e '}' |
    grep -o '^UKIYO_EXTERN [^(]*(' |
    sed -E 's/.*[ *]([a-z_0-9]+)\($/\1/' | sort -u >"$tmp/headers"

status=0
if ! diff -u "$tmp/map" "$tmp/exported"; then
    echo "exported symbols differ from libukiyo.sym (- map, + exported)" >&2; status=1
fi
if ! diff -u "$tmp/headers" "$tmp/map"; then
    echo "libukiyo.sym differs from the headers' UKIYO_EXTERN functions (- headers, + map)" >&2
    status=1
fi
nm -g --defined-only "$static" | awk 'NF == 3 {print $3}' | sort -u >"$tmp/static"
if grep -v '^ukiyo_' "$tmp/static" >"$tmp/unprefixed"; then
    echo "libukiyo.a defines symbols without ukiyo's prefix (internal ones take ukiyo__):" >&2
    cat "$tmp/unprefixed" >&2; status=1
fi
grep '^ukiyo_' "$tmp/static" | grep -v '^ukiyo__' >"$tmp/static_public" || true
if ! diff -u "$tmp/map" "$tmp/static_public"; then
    echo "libukiyo.a's ukiyo_ symbols differ from libukiyo.sym (internal ones take ukiyo__)" >&2
    status=1
fi
[ $status = 0 ] && echo "$(wc -l <"$tmp/map") symbols: map, headers and library agree"
exit $status
