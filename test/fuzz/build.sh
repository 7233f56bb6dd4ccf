#!/usr/bin/env bash
# Builds the libFuzzer target test/fuzz/fuzz_validator.cpp with Debian's clang++ (ASan + UBSan + libFuzzer)
# straight from src/core/*.cpp, no CMake involved.
#
#   bash test/fuzz/build.sh [OUTPUT]     default OUTPUT: build/fuzz/fuzz_validator
#
# CXX overrides the compiler (default clang++). Needs clang and nlohmann-json3-dev.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$root/build/fuzz/fuzz_validator}"
cxx="${CXX:-clang++}"
command -v "$cxx" >/dev/null || { echo "build.sh: $cxx not found (apt-get install clang)" >&2; exit 1; }
mkdir -p "$(dirname "$out")"

# The core is instrumented for coverage (fuzzer-no-link); only the target's own object brings libFuzzer's main.
flags=(-std=c++17 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
       -Wall -Wextra -I"$root/src")
"$cxx" "${flags[@]}" -fsanitize=fuzzer "$root/test/fuzz/fuzz_validator.cpp" \
    $(ls "$root"/src/core/*.cpp | sort) -o "$out"
echo "built $out"
