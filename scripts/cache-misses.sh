#!/usr/bin/env bash
# Instructions and simulated cache misses per operation of the claims cache
# and quick_cache, and of a claim in the in-process DPoP replay store,
# counted by cachegrind: repeatable where the cache bench's
# timings on a shared VM are not. Each row of `runtime/benches/cache.rs`'s
# `--count` mode runs twice, with N1 and N2 operations after the same set-up,
# and the difference is divided by N2 - N1. The simulated caches are fixed
# (32 KiB L1s, an 8 MiB last level), not read off the machine, so the counts
# are the same wherever this runs.
#
# Usage: scripts/cache-misses.sh [row ...]   (default: every row)
# Needs valgrind (installed with apt-get when missing and possible).
set -euo pipefail
cd "$(dirname "$0")/.."

N1="${N1:-20000}"
N2="${N2:-120000}"

source scripts/valgrind.sh

bin="$(cargo bench -q -p claimguard --features dpop --bench cache --no-run --message-format=json 2>/dev/null \
    | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1)"
[[ -x "$bin" ]] || { echo "the cache bench did not build" >&2; exit 1; }

rows=("$@")
[[ ${#rows[@]} -eq 0 ]] && rows=(hit/claimguard hit/quick_cache insert/claimguard insert/quick_cache claim/replay_store)

# "instructions D1-misses LL-misses" of one run (reads and writes together).
count() {
    valgrind --tool=cachegrind --cache-sim=yes --cachegrind-out-file=/dev/null \
        --I1=32768,8,64 --D1=32768,8,64 --LL=8388608,16,64 \
        "$bin" --count "$1" "$2" 2>&1 | tr -d , | awk '
        /I *refs:/ { ir = $NF }
        /D1 *misses:/ { d1 = $4 }
        /LLd misses:/ { ll = $4 }
        END { print ir, d1, ll }'
}

printf '%-22s %14s %12s %12s\n' row instructions D1-misses LL-misses
for row in "${rows[@]}"; do
    read -r i1 d1 l1 <<<"$(count "$row" "$N1")"
    read -r i2 d2 l2 <<<"$(count "$row" "$N2")"
    n=$((N2 - N1))
    awk -v r="$row" -v n="$n" -v i="$((i2 - i1))" -v d="$((d2 - d1))" -v l="$((l2 - l1))" \
        'function per(x) { x /= n; return (x < 0.005 && x > -0.005) ? 0 : x }
         BEGIN { printf "%-22s %14.0f %12.2f %12.2f\n", r, per(i), per(d), per(l) }'
done
