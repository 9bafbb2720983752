#!/usr/bin/env bash
# Regenerates the clips in media/ with isopipe-mkclip (deterministic: same bytes every run).
# usage: media/regen.sh path/to/isopipe-mkclip
set -euo pipefail
mk=$(realpath "${1:?usage: $0 path/to/isopipe-mkclip}")
cd "$(dirname "$0")"
"$mk" -o clip-h264-aac.mp4 -s 320x240 -r 30 -t 2 -c:v libx264 -c:a aac -ar 48000 -ac 2
"$mk" -o clip-vp9-opus.webm -s 320x240 -r 30 -t 2 -c:v libvpx-vp9 -c:a libopus -ar 48000 -ac 2
"$mk" -o clip-5.1-flac.mkv -s 160x120 -r 25 -t 1 -c:v libx264 -c:a flac -ar 48000 -ac 6
"$mk" -o clip-161x121-vp9.webm -s 161x121 -r 30000/1001 -t 1 -c:v libvpx-vp9 -an
"$mk" -o clip-hevc-10bit.mkv -s 320x240 -r 24 -t 1 -c:v libx265 -pix_fmt yuv420p10le -an
"$mk" -o clip-rotate90.mp4 -s 240x160 -r 30 -t 1 -c:v libx264 -c:a aac -rotate 90
"$mk" -o clip-44k1-mono.mp3 -t 2 -c:a libmp3lame -ar 44100 -ac 1 -vn
