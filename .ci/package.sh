#!/usr/bin/env bash
# CI: `cmake --install` the runtime, then build a consumer project that knows
# only find_package(xattn) + xattn::xattn, and run it on the shared aren model;
# then a consumer that builds xattn with add_subdirectory (tests/package/subdirectory).
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-packages.sh g++ make cmake libxsimd-dev doctest-dev

start=$SECONDS
prefix=$PWD/build/package/install
rm -rf build/package
# The README's build (build/, CI's first stage) is installed when it is there
# (brought up to date first, a no-op in CI); standalone, a build of its own.
xattn_build=build
if ! [ -f build/CMakeCache.txt ]; then
  xattn_build=build/package/xattn
  cmake -S . -B "$xattn_build" -DXATTN_WARNINGS_AS_ERRORS=ON -DXATTN_BUILD_TESTS=OFF -DXATTN_BUILD_BENCH=OFF >/dev/null
fi
echo "== install the runtime (library, headers, CMake package) from $xattn_build to $prefix"
cmake --build "$xattn_build" -j2 --target xattn xattn_cli
cmake --install "$xattn_build" --prefix "$prefix"
find "$prefix" -type f | sort

echo "== a consumer project against the installed tree"
cmake -S tests/package -B build/package/consumer -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build build/package/consumer -j2
build/package/consumer/consumer_cpp

echo "== a consumer that adds the source tree with add_subdirectory"
# It turns XATTN_WARNINGS_AS_ERRORS on, asks for C++20 without GNU extensions
# and sets no build type; its configure fails if xattn changed any of those
# for it, and its build fails if -Werror or a standard flag leaked out.
cmake -S tests/package/subdirectory -B build/package/subdirectory -DXATTN_SOURCE_DIR="$PWD" >/dev/null
cmake --build build/package/subdirectory -j2 --target subdirectory_consumer
build/package/subdirectory/subdirectory_consumer

data=../shared/data/ct2-aren-transliteration/v2-aren-transliteration-i8
if [ -d "$data" ]; then
  "$xattn_build/ports/posix/xattn" convert ct2 "$data" -o build/package/aren.xattn --weights int8 >/dev/null
  out=$(build/package/consumer/consumer_c build/package/aren.xattn "آ ز ا")
  echo "consumer_c: $out"
  [ "$out" = "a z z a" ] || { echo "FAIL: expected 'a z z a'"; exit 1; }
else
  echo "SKIP: consumer_c run: the shared model is absent at $data"
fi
echo "package: ok in $((SECONDS - start)) s"
