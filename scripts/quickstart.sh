#!/usr/bin/env bash
# Install what is missing, build libwsl and the wsl tool, and run the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DWSL_BUILD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)"
echo "== build/src/cli/wsl demo"
build/src/cli/wsl demo
