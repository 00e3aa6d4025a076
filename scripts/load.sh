#!/usr/bin/env bash
# Load run over real HTTP, on loopback only: builds and starts the quickstart
# (cargo run --release --example quickstart) on 127.0.0.1:3091 with a fixed
# JWT_SECRET, mints a token, runs `wrk -t2 -c64` against GET /me with the
# bearer token, samples the server's resident memory while wrk runs, stops
# the server and prints requests/s, latency, non-2xx responses and RSS
# first/last/max.
#
# Environment:
#   DURATION        wrk duration (default 3m; anything wrk takes: 30s, 3m)
#   CONNECTIONS     wrk connections (default 64)
#   THREADS         wrk threads (default 2)
#   SAMPLE_SECONDS  RSS sampling interval (default 5)
#   PORT            loopback port (default 3091)
#   CARGO_TARGET_DIR  as for cargo (default target)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
duration="${DURATION:-3m}"
connections="${CONNECTIONS:-64}"
threads="${THREADS:-2}"
sample="${SAMPLE_SECONDS:-5}"
port="${PORT:-3091}"
addr="127.0.0.1:$port"
target="${CARGO_TARGET_DIR:-$root/target}"
# A fixed secret, so the token can be minted outside the server; it protects
# nothing (the server only listens on loopback for the length of the run).
secret="claimguard-load-test-secret-not-for-production-use"

if ! command -v wrk >/dev/null; then
    echo "installing wrk..." >&2
    if [[ "$(id -u)" == 0 ]]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >/dev/null
    else
        sudo DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >/dev/null
    fi
fi

echo "building the quickstart (release)..." >&2
cargo build --release --example quickstart >&2
server_bin="$target/release/examples/quickstart"

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# The binary itself rather than `cargo run`, so that the PID sampled is the
# server's and not cargo's.
JWT_SECRET="$secret" CLAIMGUARD_ADDR="$addr" "$server_bin" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    grep -q "listening" "$work/server.log" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.1
done

# An HS256 token the quickstart accepts (issuer, audience, an hour of life),
# minted with the Python standard library.
token="$(SECRET="$secret" python3 -c '
import base64, hashlib, hmac, json, os, time
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
now = int(time.time())
header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
payload = b64(json.dumps({"sub": "load-test", "exp": now + 3600, "iat": now,
    "iss": "https://issuer.example", "aud": "quickstart", "roles": ["reader"]},
    separators=(",", ":")).encode())
signing_input = header + "." + payload
sig = hmac.new(os.environ["SECRET"].encode(), signing_input.encode(), hashlib.sha256).digest()
print(signing_input + "." + b64(sig))
')"

status="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "http://$addr/me")"
if [[ "$status" != 200 ]]; then
    echo "the quickstart refused the minted token (HTTP $status)" >&2
    exit 1
fi

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status"; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "wrk -t$threads -c$connections -d$duration http://$addr/me ..." >&2
rss_samples=("$(rss_kib)")
wrk -t"$threads" -c"$connections" -d"$duration" --latency \
    -H "Authorization: Bearer $token" "http://$addr/me" >"$work/wrk.txt" &
wrk_pid=$!
while kill -0 "$wrk_pid" 2>/dev/null; do
    sleep "$sample"
    rss_samples+=("$(rss_kib)")
done
wait "$wrk_pid"
rss_samples+=("$(rss_kib)")
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=""

cat "$work/wrk.txt"
echo
requests_s="$(awk '/^Requests\/sec:/ { print $2 }' "$work/wrk.txt")"
latency="$(awk '$1 == "Latency" && NF >= 5 { print "avg " $2 ", stdev " $3 ", max " $4; exit }' "$work/wrk.txt")"
p50="$(awk '$1 == "50%" { print $2 }' "$work/wrk.txt")"
p99="$(awk '$1 == "99%" { print $2 }' "$work/wrk.txt")"
non2xx="$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$work/wrk.txt")"
socket_errors="$(awk '/Socket errors:/ { $1 = $2 = ""; print }' "$work/wrk.txt")"
printf '%s\n' "${rss_samples[@]}" >"$work/rss.txt"
rss_summary="$(awk 'NR == 1 { first = $1 } { last = $1; if ($1 > max) max = $1 }
    END { printf "first %.1f MiB, last %.1f MiB, max %.1f MiB (%d samples)", first / 1024, last / 1024, max / 1024, NR }' "$work/rss.txt")"

echo "== load run summary =="
echo "  duration:        $duration, $threads threads, $connections connections, GET /me on $addr"
echo "  requests/s:      $requests_s"
echo "  latency:         $latency; p50 $p50, p99 $p99"
echo "  non-2xx/3xx:     ${non2xx:-0}"
echo "  socket errors:   ${socket_errors:-none}"
echo "  server RSS:      $rss_summary"
echo "  load average:    after $load_after"
