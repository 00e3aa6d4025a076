#!/usr/bin/env bash
# Instructions per call of every benchmarked operation, counted by callgrind:
# deterministic where wall-clock time on a shared VM is not. Each mode of
# benchmarks/examples/instructions.rs runs twice, with N1 and N2 calls, and
# the difference divided by N2 - N1 is reported, so that start-up (key
# parsing, minting the token, the runtime) cancels out.
#
# Usage: scripts/instructions.sh [mode ...]      (default: every mode)
#        FEATURES=aws_lc_rs scripts/instructions.sh
# Needs valgrind (installed with apt-get when missing and possible).
#
# Caveat: valgrind's CPU model has no SHA extensions, so SHA-256 (HMAC, RSA
# and ECDSA digests) runs the portable code path here, which costs more
# instructions than the SHA-NI path the benchmarks take on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."

N1="${N1:-100}"
N2="${N2:-600}"

source scripts/valgrind.sh

features=()
[[ -n "${FEATURES:-}" ]] && features=(--features "$FEATURES")
cargo build --release -q -p claimguard-benchmarks --example instructions "${features[@]}"
bin="${CARGO_TARGET_DIR:-target}/release/examples/instructions"

modes=("$@")
if [[ ${#modes[@]} -eq 0 ]]; then
    modes=(a_no_auth b_handwritten c_axum_jwt_auth d_claimguard_cold e_claimguard_cached f_claimguard_shared
           g_granted h_authorized i_dpop_bearer j_dpop k_dpop_es256_verify
           l_dpop_bearer_signed m_memory_claim)
    for alg in HS256 RS256 ES256 EdDSA; do
        for variant in claimguard jsonwebtoken_decode crypto_verify prepared_verify; do
            modes+=("$alg/$variant")
        done
    done
fi

# Total instructions of one run.
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" 2>&1 \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

printf '%-28s %12s\n' mode instructions/call
for mode in "${modes[@]}"; do
    a="$(count "$mode" "$N1")"
    b="$(count "$mode" "$N2")"
    printf '%-28s %12d\n' "$mode" $(((b - a) / (N2 - N1)))
done
