#!/usr/bin/env bash
# Installs the build into a temporary prefix, then builds and runs a consumer with
# find_package(isopipe) and with pkg-config: the install rules, isopipe.pc and the package config.
set -euo pipefail
build=$1 src=$2 san=${3:-}
# A sanitizer build's library needs its runtime in the consumer too.
sflags=${san:+-fsanitize=$san}
[ "$san" = address ] && sflags="$sflags -fsanitize=undefined"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
libdir=$(dirname "$(find "$tmp/prefix" -name isopipe.pc)")/..
cmake -S "$src" -B "$tmp/b" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_C_FLAGS="$sflags" \
  -DCMAKE_EXE_LINKER_FLAGS="$sflags" >/dev/null
cmake --build "$tmp/b" >/dev/null
LD_LIBRARY_PATH="$libdir" "$tmp/b/consumer" | grep -q "^isopipe "
flags=$(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs isopipe)
# shellcheck disable=SC2086
cc $sflags "$src/main.c" $flags -o "$tmp/pc"
LD_LIBRARY_PATH="$libdir" "$tmp/pc" | grep -q "^isopipe "
# The static archive: the public iso_ functions, no internal helper left global,
# and a program links it.
ar=$(find "$tmp/prefix" -name libisopipe.a)
syms=$(nm -g --defined-only "$ar")
grep -q " T iso_pipeline_new$" <<<"$syms"
if grep -E " [TDBR] (cx_|rt_|pl_|prof_)" <<<"$syms"; then
  echo "install: internal symbols are global in $ar" >&2
  exit 1
fi
# shellcheck disable=SC2046
cc $sflags "$src/main.c" -I"$tmp/prefix/include" "$ar" \
  $(pkg-config --libs libavformat libavcodec libavutil libswscale libswresample libavfilter libavdevice zlib) \
  -lpthread -lm -o "$tmp/static"
"$tmp/static" | grep -q "^isopipe "
# The embedding examples, as built against the installed package.
clip="$src/../../../media/clip-h264-aac.mp4"
run() { LD_LIBRARY_PATH="$libdir" "$@"; }
run "$tmp/b/probe" "$clip" | grep -q "video h264"
run "$tmp/b/embed" "$clip" "$tmp/embed.mp4" mpeg4 aac >/dev/null
run "$tmp/b/poll_loop" "$clip" "$tmp/poll.mkv" | grep -q "^done: ok"
POLL_LOOP_CANCEL_AFTER=0.01 run "$tmp/b/poll_loop" "$clip" "$tmp/cancel.mkv" | grep -q "(cancelled)"
run "$tmp/b/upload" "$clip" "$tmp/upload.mp4" | grep -q "^done: "
[ -s "$tmp/upload.mp4" ] && head -c 64 "$tmp/upload.mp4" | grep -q "ftyp"
run "$tmp/b/preview" "$clip" "$tmp/preview.mkv" "$tmp/p.pam" | grep -q "^preview: .* 240x180 at"
head -c 2 "$tmp/p.pam" | grep -q P7
mkdir "$tmp/batch"
run "$tmp/b/batch" "$tmp/batch" "$clip" "$src/../../../media/clip-vp9-opus.webm" \
  "$src/../../../media/clip-44k1-mono.mp3" | grep -q "^done: 3 ok, 0 failed"
[ "$(find "$tmp/batch" -name "*.mkv" -size +1k | wc -l)" = 3 ]
run "$tmp/b/glib_loop" "$clip" "$tmp/glib.mkv" | grep -q "^done: ok"
echo "install: find_package and pkg-config consumers and the examples built and ran"
