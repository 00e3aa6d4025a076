#!/usr/bin/env bash
# Reads criterion's mean point estimates for the claimguard-benchmarks
# benches and prints the ratios and differences the "prove it" issue sets
# goals for. Run after
#   cargo bench -p claimguard-benchmarks
#   cargo bench -p claimguard-benchmarks --features aws_lc_rs --bench algorithms   # optional
#
# Usage: scripts/bench-ratios.sh [criterion-dir]
# The directory defaults to $CARGO_TARGET_DIR/criterion, else target/criterion.
set -euo pipefail

dir="${1:-${CARGO_TARGET_DIR:-$(cd "$(dirname "$0")/.." && pwd)/target}/criterion}"
if [[ ! -d "$dir" ]]; then
    echo "no criterion output in $dir; run cargo bench -p claimguard-benchmarks first" >&2
    exit 1
fi

# Mean point estimate (nanoseconds) of one benchmark, from its
# new/estimates.json; empty when that benchmark has not been run. The file
# is one line of JSON whose "mean" object holds a nested confidence_interval
# object before its point_estimate, hence the two-step match.
mean() {
    local file="$dir/$1/new/estimates.json"
    [[ -f "$file" ]] || return 0
    sed -E 's/.*"mean":\{"confidence_interval":\{[^}]*\},"point_estimate":([-0-9.eE+]+).*/\1/' "$file"
}

# Formats nanoseconds as microseconds with 3 decimals.
us() { awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v v="$1" -v goal="$2" 'BEGIN { print (v <= goal) ? "met" : "NOT met" }'; }

echo "== requests: one HS256 request through Router::oneshot =="
inter="$dir/requests/interleaved.csv"
if [[ -f "$inter" ]]; then
    # The figures the goals are judged on: per-round ratios of interleaved
    # batches, which a drifting machine cannot skew.
    echo "  interleaved batches (median per-call time; median per-round ratio, quartiles):"
    tail -n +2 "$inter" | while IFS=, read -r measure median p25 p75; do
        case "$measure" in
        h-g_ns) printf '    %-5s %6.1f ns  (%s .. %s)  a requirement check on a cache hit (goal <= 50 ns: %s)\n' "h-g" "$median" "$p25" "$p75" "$(verdict "$median" 50)" ;;
        *_ns) printf '    %-22s %8s us\n' "${measure%_ns}" "$(us "$median")" ;;
        d/b) printf '    %-5s %6.3fx  (%s .. %s)  claimguard cold / hand-written   (goal <= 0.70x: %s)\n' "$measure" "$median" "$p25" "$p75" "$(verdict "$median" 0.70)" ;;
        f/a) printf '    %-5s %6.3fx  (%s .. %s)  Shared<T> cache hit / no auth    (goal <= 1.25x: %s)\n' "$measure" "$median" "$p25" "$p75" "$(verdict "$median" 1.25)" ;;
        e/a) printf '    %-5s %6.3fx  (%s .. %s)  T cache hit (cloned) / no auth\n' "$measure" "$median" "$p25" "$p75" ;;
        *) printf '    %-5s %6.3fx  (%s .. %s)\n' "$measure" "$median" "$p25" "$p75" ;;
        esac
    done
else
    echo "  (no interleaved measurement: cargo bench -p claimguard-benchmarks --bench requests)"
fi
echo "  criterion means (separate runs, for reference):"
for name in a_no_auth b_handwritten c_axum_jwt_auth d_claimguard_cold e_claimguard_cached f_claimguard_shared; do
    m="$(mean "requests/$name")"
    if [[ -n "$m" ]]; then
        printf '    %-22s %8s us\n' "$name" "$(us "$m")"
    fi
done

for backend in rust_crypto aws_lc_rs; do
    group="alg_$backend"
    [[ -d "$dir/$group" ]] || continue
    echo
    echo "== algorithms ($backend): cold decode (criterion means, us) =="
    printf '  %-6s %12s %12s %12s %12s\n' alg claimguard jwt::decode prepared crypto::verify
    for alg in HS256 RS256 ES256 EdDSA; do
        cg="$(mean "$group/$alg/claimguard")"
        jd="$(mean "$group/$alg/jsonwebtoken_decode")"
        pv="$(mean "$group/$alg/prepared_verify")"
        cv="$(mean "$group/$alg/crypto_verify")"
        [[ -n "$cg" && -n "$jd" ]] || continue
        printf '  %-6s %12s %12s %12s %12s\n' "$alg" "$(us "$cg")" "$(us "$jd")" "$(us "${pv:-0}")" "$(us "${cv:-0}")"
    done
    # The time outside signature verification is claimguard minus the
    # signature check alone with a prepared key: for RS256/ES256/EdDSA a
    # difference of two numbers 20-200x larger than it, so the goal is judged
    # on the interleaved estimate the bench writes.
    inter="$dir/$group/interleaved.csv"
    if [[ -f "$inter" ]]; then
        echo "  time outside signature verification, interleaved (median, quartiles; us):"
        tail -n +2 "$inter" | while IFS=, read -r alg cg pv cv median p25 p75 vs_cv; do
            goal=""
            if [[ "$alg" != HS256 ]]; then
                goal="  (goal <= 1.5 us: $(verdict "$(awk -v m="$median" 'BEGIN { print m / 1000 }')" 1.5))"
            fi
            printf '    %-6s %8s  (%s .. %s)%s\n' "$alg" "$(us "$median")" "$(us "$p25")" "$(us "$p75")" "$goal"
        done
    fi
done
