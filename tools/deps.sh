#!/usr/bin/env bash
# Installs the Debian 12 packages isopipe needs to build, test and compare against ffmpeg.
# Usage: tools/deps.sh [cluster]   (cluster: also Slurm and munge, for the cluster tests)
set -euo pipefail
pkgs=(build-essential cmake pkg-config clang libavformat-dev libavcodec-dev libavutil-dev
  libswscale-dev libswresample-dev libavfilter-dev libavdevice-dev libcmocka-dev zlib1g-dev ffmpeg python3
  python3-pytest libglib2.0-dev)
[ "${1:-}" = cluster ] && pkgs+=(slurmctld slurmd slurm-client munge)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "isopipe: installing ${missing[*]}" >&2
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
