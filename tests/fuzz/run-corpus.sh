#!/bin/sh
# Replays every fuzz target's seed corpus (tests/fuzz/corpus/<target>/) through
# the target built with the standalone driver; any crash or sanitizer report fails.
set -e
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
n=0
for t in "$top_builddir"/tests/fuzz/fuzz-*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	corpus=$top_srcdir/tests/fuzz/corpus/$name
	if [ ! -d "$corpus" ]; then
		echo "no seed corpus for $name ($corpus)" >&2
		exit 1
	fi
	"$t" "$corpus"
	n=$((n + 1))
done
echo "replayed the corpora of $n fuzz targets"
[ "$n" -gt 0 ] || exit 77
