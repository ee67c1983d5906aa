#!/usr/bin/env bash
# Install libwsl (shared and static) into temporary prefixes and build examples/consumer against
# each, with find_package(wsl) and with pkg-config; build LF plugins against each and run the
# CLI tests with the installed wsl; with MPI, wsl-mpi and a program on libwsl_dist under
# mpirun; check that only wsl_* symbols are exported.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
jobs=$(nproc)
for kind in shared static; do
  shared=ON
  [ "$kind" = static ] && shared=OFF
  prefix="$tmp/prefix-$kind"
  cmake -S "$root" -B "$tmp/build-$kind" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=$shared \
    -DWSL_BUILD_TESTS=OFF -DWSL_BUILD_EXAMPLES=OFF -DWSL_BUILD_BENCH=OFF \
    -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
  cmake --build "$tmp/build-$kind" -j"$jobs" >/dev/null
  cmake --install "$tmp/build-$kind" >/dev/null
  echo "-- $kind: find_package(wsl)"
  cmake -S "$root/examples/consumer" -B "$tmp/consumer-$kind" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
  cmake --build "$tmp/consumer-$kind" >/dev/null
  LD_LIBRARY_PATH="$prefix/lib:$prefix/lib/$(gcc -print-multiarch)" "$tmp/consumer-$kind/consumer"
  echo "-- $kind: pkg-config"
  pcdir=$(dirname "$(find "$prefix" -name wsl.pc | head -n1)")
  if [ "$kind" = static ]; then
    flags=$(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags --libs --static wsl)
  else
    flags=$(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags --libs wsl)
  fi
  cc -std=c99 -Wall -Wextra -pedantic -Werror -o "$tmp/pc-$kind" "$root/examples/consumer/main.c" $flags
  LD_LIBRARY_PATH="$(dirname "$(find "$prefix" -name 'libwsl*' | head -n1)")" "$tmp/pc-$kind"
  "$prefix/bin/wsl" --version
  # An LF plugin built from the installed headers alone, run by the installed wsl: the plugin
  # takes libwsl's functions from the wsl process (static builds export them from wsl).
  cc -std=c11 -Wall -Wextra -Werror -shared -fPIC $(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags wsl) \
    -o "$tmp/mylfs-$kind.so" "$root/examples/plugin/mylfs.c"
  printf '{"text": "see http://x"}\n{"text": "thanks!"}\n{"text": "hm"}\n' > "$tmp/r.jsonl"
  "$prefix/bin/wsl" apply --lfs "$tmp/mylfs-$kind.so" "$tmp/r.jsonl" -o "$tmp/L-$kind.csv" -q
  [ "$(tr '\n' ' ' < "$tmp/L-$kind.csv")" = "1,-1 -1,0 -1,-1 " ] ||
    { echo "wsl apply with a plugin built against the $kind install:"; cat "$tmp/L-$kind.csv"; exit 1; }
  echo "-- $kind: wsl apply --lfs (a plugin built with pkg-config --cflags wsl)"
  # The CLI tests against the installed wsl, with the test plugins built from the installed
  # headers.
  mkdir -p "$tmp/plugins-$kind"
  for src in "$root"/tests/plugins/*.c; do
    cc -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -shared -fPIC \
      $(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags wsl) \
      -o "$tmp/plugins-$kind/$(basename "$src" .c).so" "$src"
  done
  sh "$root/tests/cli_test.sh" "$prefix/bin/wsl" "$root/tests/data" "$root/../shared/data" \
    "$tmp/plugins-$kind" | tail -n 1
  page="$prefix/share/man/man1/wsl.1"
  if [ ! -f "$page" ] || ! grep -q "^\.TH WSL 1 .*libwsl $("$prefix/bin/wsl" --version | cut -d' ' -f2)" "$page"; then
    echo "the manual page is not installed as $page (for this version)"; exit 1
  fi
  if command -v man >/dev/null 2>&1; then
    MANPAGER=cat man -l "$page" > "$tmp/man-$kind.txt"
    grep -q "EXIT STATUS" "$tmp/man-$kind.txt" || { echo "man -l $page shows no EXIT STATUS"; exit 1; }
  fi
  echo "-- manual page: share/man/man1/wsl.1"
  # With MPI: the installed wsl-mpi fits as the installed wsl does, and a program built with
  # mpicc against the installed dist.h and libwsl_dist passes the C API test on 3 ranks.
  if [ -x "$prefix/bin/wsl-mpi" ]; then
    export OMPI_MCA_btl_vader_single_copy_mechanism=none # containers often forbid ptrace copies
    libdir=$(dirname "$(find "$prefix" -name 'libwsl_dist*' | head -n1)")
    printf '0,1,-1\n1,1,0\n0,-1,1\n1,0,0\n1,1,1\n' > "$tmp/m.csv"
    "$prefix/bin/wsl" fit "$tmp/m.csv" -k 2 -o "$tmp/m1-$kind.json" -q
    mpirun --allow-run-as-root --oversubscribe -np 2 "$prefix/bin/wsl-mpi" fit "$tmp/m.csv" -k 2 \
      -o "$tmp/m2-$kind.json" -q
    cmp "$tmp/m1-$kind.json" "$tmp/m2-$kind.json" ||
      { echo "the installed wsl-mpi fits another model than the installed wsl"; exit 1; }
    static=""
    [ "$kind" = static ] && static="--static"
    mpicc -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -pedantic -Werror -o "$tmp/dist-$kind" \
      "$root/tests/mpi/dist_api_test.c" $(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags wsl) \
      -L"$libdir" -lwsl_dist $(PKG_CONFIG_PATH="$pcdir" pkg-config --libs $static wsl)
    LD_LIBRARY_PATH="$libdir" mpirun --allow-run-as-root --oversubscribe -np 3 "$tmp/dist-$kind"
    [ -f "$prefix/share/man/man1/wsl-mpi.1" ] || { echo "wsl-mpi.1 is not installed"; exit 1; }
    echo "-- $kind: wsl-mpi, libwsl_dist and wsl-mpi.1"
  fi
  if [ "$kind" = shared ]; then
    lib=$(find "$prefix" -name 'libwsl_dist.so.*' -type f | head -n1)
    if [ -n "$lib" ]; then
      bad=$(nm -D --defined-only "$lib" | awk '$2 ~ /[TDBR]/ {print $3}' | grep -v '^wsl_dist_' || true)
      [ -z "$bad" ] || { echo "libwsl_dist exports beyond its API:"; echo "$bad"; exit 1; }
    fi
    lib=$(find "$prefix" -name 'libwsl.so.*' -type f | head -n1)
    bad=$(nm -D --defined-only "$lib" | awk '$2 ~ /[TDBR]/ {print $3}' | grep -v '^wsl_' || true)
    if [ -n "$bad" ]; then
      echo "symbols exported beyond the API:"; echo "$bad"; exit 1
    fi
    echo "-- exported symbols: $(nm -D --defined-only "$lib" | awk '$2 ~ /[TDBR]/' | wc -l), all wsl_*"
  fi
done
