#!/usr/bin/env bash
# Builds the libFuzzer targets test/fuzz/fuzz_validator.cpp, fuzz_batch.cpp, fuzz_claims.cpp and fuzz_merge_patch.cpp with Debian's clang++
# (ASan + UBSan + libFuzzer) straight from src/core/*.cpp, no CMake involved.
#
#   bash test/fuzz/build.sh [OUTPUT_DIR]     default OUTPUT_DIR: build/fuzz (-> fuzz_validator, fuzz_batch, fuzz_claims, fuzz_merge_patch)
#
# CXX overrides the compiler (default clang++). Needs clang and nlohmann-json3-dev.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$root/build/fuzz}"
cxx="${CXX:-clang++}"
command -v "$cxx" >/dev/null || { echo "build.sh: $cxx not found (apt-get install clang)" >&2; exit 1; }
rm -rf "$out/core"
mkdir -p "$out/core"

# The core is compiled once, instrumented for coverage (fuzzer-no-link), two files at a time; only each target's
# own object brings libFuzzer's main.
flags=(-std=c++17 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
       -Wall -Wextra -I"$root/src")
export cxx out
export flags_text="${flags[*]}"
ls "$root"/src/core/*.cpp | sort | xargs -P 2 -I{} sh -c \
    '$cxx $flags_text -fsanitize=fuzzer-no-link -c "$1" -o "$out/core/$(basename "$1" .cpp).o"' _ {}
for target in fuzz_validator fuzz_batch fuzz_claims fuzz_merge_patch; do
    "$cxx" "${flags[@]}" -fsanitize=fuzzer "$root/test/fuzz/$target.cpp" "$out"/core/*.o -o "$out/$target"
    echo "built $out/$target"
done
