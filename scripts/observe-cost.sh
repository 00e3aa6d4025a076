#!/usr/bin/env bash
# What compiling in claimguard's `tracing` and `metrics` features costs a
# request when no subscriber and no recorder is installed: the request modes
# of benchmarks/examples/instructions.rs built twice (features off, then on
# through the benchmarks' `observe` feature), run in turn, A B B A ..., each
# run timing N requests after a warm-up; the ratio on/off is taken pair by
# pair and the median over PAIRS pairs is printed with its quartiles, so that
# the machine's drift cancels out as in the in-process interleaved benches.
#
# Usage: scripts/observe-cost.sh [mode ...]   (default: the three claimguard
#        request modes); PAIRS=21 N=20000 by default.
set -euo pipefail
cd "$(dirname "$0")/.."

PAIRS="${PAIRS:-21}"
N="${N:-20000}"
target="${CARGO_TARGET_DIR:-target}"
bin="$target/release/examples/instructions"

cargo build --release -q -p claimguard-benchmarks --example instructions
cp "$bin" "$target/release/observe-off"
cargo build --release -q -p claimguard-benchmarks --example instructions --features observe
cp "$bin" "$target/release/observe-on"

modes=("$@")
[[ ${#modes[@]} -eq 0 ]] && modes=(d_claimguard_cold e_claimguard_cached f_claimguard_shared)

# The median and quartiles of the numbers on stdin.
quartiles() {
    sort -g | awk '{ v[NR] = $1 } END {
        printf "%.4f (%.4f .. %.4f)", v[int((NR + 1) / 2)], v[int((NR + 3) / 4)], v[int((3 * NR + 1) / 4)]
    }'
}

printf '%-22s %s\n' mode 'on/off, median (quartiles)'
for mode in "${modes[@]}"; do
    ratios=""
    for i in $(seq "$PAIRS"); do
        if ((i % 2)); then
            off="$(TIME=1 "$target/release/observe-off" "$mode" "$N")"
            on="$(TIME=1 "$target/release/observe-on" "$mode" "$N")"
        else
            on="$(TIME=1 "$target/release/observe-on" "$mode" "$N")"
            off="$(TIME=1 "$target/release/observe-off" "$mode" "$N")"
        fi
        ratios+="$(awk -v a="$on" -v b="$off" 'BEGIN { print a / b }')"$'\n'
    done
    printf '%-22s %s\n' "$mode" "$(printf '%s' "$ratios" | quartiles)"
done
