#!/usr/bin/env bash
# make bench: every benchmark, against an install in $1. Results belong in BENCHMARKS.md.
set -euo pipefail
prefix=$1
python3 "$(dirname "$0")/bench.py" "$prefix" "${BENCH_RUNS:-51}"
