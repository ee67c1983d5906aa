#!/usr/bin/env bash
# Install the Debian packages libwsl needs, skipping those already present.
# usage: install-deps.sh [--test]   --test adds what only tests use: groff (the manual page is
# rendered) and Chromium (wsl report is rendered by a headless browser; ~115 MB to download;
# without it that test is skipped)
set -euo pipefail
# libopenmpi-dev and openmpi-bin: libwsl_dist and wsl-mpi (built when MPI is found), tested
# with mpirun
pkgs=(cmake make gcc g++ clang pkg-config libcjson-dev libopenblas-dev check python3-numpy valgrind
      libopenmpi-dev openmpi-bin)
if [ "${1:-}" = --test ]; then
  pkgs+=(groff-base chromium)
fi
missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "== dependencies already installed"
fi
