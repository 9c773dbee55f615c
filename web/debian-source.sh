#!/bin/sh
# Fetches the upstream source of a Debian package for the browser build
# (C libraries the browser cannot link from the system: inih, cmocka),
# checked against the SHA-256 its Debian source description (.dsc) gives,
# and unpacks it into DIR/NAME-VERSION. Does nothing when that folder is
# already there.
#
#   sh web/debian-source.sh POOL PACKAGE DEBIAN-VERSION DIR
#   sh web/debian-source.sh c/cmocka cmocka 1.1.5-2.1 build/web/third
set -eu
pool=$1 pkg=$2 dver=$3 dir=$4
uver=${dver%-*}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
out="$dir/$pkg-$uver"
[ -d "$out" ] && exit 0
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
get() { curl -fsS --retry 3 -m 120 -o "$2" "$1" || { echo "debian-source: cannot fetch $1" >&2; exit 1; }; }
get "$mirror/pool/main/$pool/${pkg}_$dver.dsc" "$tmp/dsc"
# the orig tarball's line of the Checksums-Sha256 block: "sha size name"
line=$(sed -n '/^Checksums-Sha256:/,/^[A-Z]/p' "$tmp/dsc" | grep -E " ${pkg}_$uver\.orig\.tar\.(gz|xz|bz2)\$" | head -n 1)
[ -n "$line" ] || { echo "debian-source: no orig tarball in ${pkg}_$dver.dsc" >&2; exit 1; }
sha=$(echo "$line" | awk '{print $1}')
name=$(echo "$line" | awk '{print $3}')
get "$mirror/pool/main/$pool/$name" "$tmp/$name"
echo "$sha  $tmp/$name" | sha256sum -c --quiet - || { echo "debian-source: $name: checksum mismatch" >&2; exit 1; }
mkdir -p "$tmp/x"
tar -xf "$tmp/$name" -C "$tmp/x"
top=$(ls "$tmp/x")
[ "$(echo "$top" | wc -l)" = 1 ] || { echo "debian-source: $name does not unpack into one folder" >&2; exit 1; }
mv "$tmp/x/$top" "$out"
echo "debian-source: $pkg $uver from ${pkg}_$dver.dsc (sha256 $sha) in $out"
