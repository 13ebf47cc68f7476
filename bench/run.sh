#!/usr/bin/env bash
# Runs Baldur's benchmarks and its peers' in one `go test` run and prints a
# benchstat table. `make bench` calls this.
#
#   COUNT=10      samples per benchmark (benchstat wants 10 for its intervals)
#   BENCHTIME=200ms  per sample (the whole run then takes about 7 minutes)
#   BENCH=.       regexp of benchmarks to run
#   OUT=results.txt raw output, kept for benchstat comparisons
set -euo pipefail
cd "$(dirname "$0")"

count=${COUNT:-10}
benchtime=${BENCHTIME:-200ms}
out=${OUT:-results.txt}
benchstat=golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da

go test -run '^$' -bench "${BENCH:-.}" -benchmem -count "$count" -cpu 1,2 -benchtime "$benchtime" . >"$out"
go run "$benchstat" "$out"
