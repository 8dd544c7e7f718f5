#!/usr/bin/env bash
# Runs the bulk_actions benchmark for idm's umapi crate and for the official Python client
# (umapi-client 3.0.1 from PyPI) against fresh `idm sandbox serve --tls` processes, alternating.
#
#   bash crates/umapi/benches/compare.sh [RUNS] [--throttle on --time-scale 60]
#
# Not part of CI: it installs a Python virtualenv under target/ and takes a while with throttling on.
set -euo pipefail
cd "$(dirname "$0")/../../.."
runs="${1:-3}"
shift || true
extra=("$@")
venv=target/umapi-client-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet umapi-client==3.0.1
fi
cargo build --quiet --release -p idm
cargo bench --quiet -p umapi --bench bulk_actions --no-run
bench=$(cargo bench -p umapi --bench bulk_actions --no-run 2>&1 | sed -n 's/.*Executable.*(\(.*\))/\1/p')
ready=$(mktemp)
serve() {
    target/release/idm sandbox serve --tls "${extra[@]}" >"$ready" &
    pid=$!
    for _ in $(seq 50); do [ -s "$ready" ] && break; sleep 0.1; done
}
for i in $(seq "$runs"); do
    echo "== run $i: python umapi-client 3.0.1"
    serve; "$venv/bin/python" crates/umapi/benches/python/bulk_actions.py "$ready"; kill "$pid"; wait "$pid" 2>/dev/null || true
    echo "== run $i: rust umapi"
    serve; "$bench" --ready "$ready" "${extra[@]}"; kill "$pid"; wait "$pid" 2>/dev/null || true
done
rm -f "$ready"
