#!/bin/bash
# Builds oxool's fuzz targets (fuzz/) with libFuzzer's coverage instrumentation and runs them.
#   scripts/fuzz.sh smoke             every target for a few seconds (make test: ~30 s in total)
#   scripts/fuzz.sh run [secs]        every target for `secs` seconds each (make fuzz; default 300)
#   scripts/fuzz.sh runs <n> [target] every target (or one) for n executions, prints the counts
#   scripts/fuzz.sh list              the targets
# Works on the stable toolchain: the instrumentation is rustc's sancov pass (-Cpasses), the same
# flags cargo-fuzz passes, without a sanitizer (which would need nightly). Findings (crashing
# inputs) land in build/fuzz/artifacts/<target>/; a fixed one belongs in fuzz/regressions/<target>/,
# where `cargo test -p oxool-fuzz` replays it forever. New corpus entries go to build/fuzz/corpus/,
# never into the tree's seeds. docs/fuzzing.md has the counts of the last long run.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-smoke}
work=build/fuzz
target_dir=target/fuzz
triple=$(rustc -vV | sed -n 's/^host: //p')

targets() {
  sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^oxool-fuzz$'
}

build() {
  # --target keeps RUSTFLAGS off build scripts and proc-macros, as cargo-fuzz does.
  RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks" \
    cargo build --quiet --release -p oxool-fuzz --features libfuzzer --bins \
    --target "$triple" --target-dir "$target_dir"
}

# run_target <name> <libFuzzer limit flag…>: prints "name: N runs, corpus C, cov X" or fails.
run_target() {
  local name=$1; shift
  local corpus=$work/corpus/$name artifacts=$work/artifacts/$name
  mkdir -p "$corpus" "$artifacts"
  local log=$work/$name.log
  # -rss_limit_mb: a parser that allocates without bound is a finding, not a slow run.
  if ! "$target_dir/$triple/release/$name" "$corpus" "fuzz/corpus/$name" \
      -artifact_prefix="$artifacts/" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
      "$@" >"$log" 2>&1; then
    echo "fuzz: $name FOUND A CRASH; input in $artifacts/, log $log:" >&2
    grep -E "panicked|ERROR|SUMMARY" "$log" | head -5 >&2
    return 1
  fi
  local runs cov
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  echo "fuzz: $name: ${runs:-?} runs, ${cov:-cov: ?}, corpus $(find "$corpus" -type f | wc -l) new"
}

case $mode in
  list) targets ;;
  smoke)
    build
    failed=0
    for t in $(targets); do run_target "$t" -max_total_time=3 || failed=1; done
    exit $failed ;;
  run)
    build
    secs=${2:-300}
    failed=0
    for t in $(targets); do run_target "$t" -max_total_time="$secs" || failed=1; done
    exit $failed ;;
  runs)
    build
    n=${2:?runs needs a count}
    failed=0
    for t in ${3:-$(targets)}; do run_target "$t" -runs="$n" || failed=1; done
    exit $failed ;;
  *) echo "usage: $0 smoke | run [secs] | runs <n> [target] | list" >&2; exit 2 ;;
esac
