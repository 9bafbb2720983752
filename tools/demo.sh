#!/usr/bin/env bash
# Installs what is missing, builds isopipe and transcodes the bundled clip with a profile.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
mkdir -p out
./build/tools/isopipe -y -i media/clip-h264-aac.mp4 -c:v libx264 -preset veryfast -crf 23 \
  -c:a aac -b:a 128k --profile --stats out/demo-stats.json --trace out/demo-trace.json.gz \
  out/demo.mp4
echo "wrote out/demo.mp4, out/demo-stats.json, out/demo-trace.json.gz (open it in ui.perfetto.dev)"
