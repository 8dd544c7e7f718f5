#!/usr/bin/env bash
# Listing 20,000 JumpCloud system users over a slow link: idm's concurrent stream() against the
# official Python client's sequential loop, on one sandbox whose every JumpCloud answer is
# DELAY ms late. Figures: BENCHMARKS.md.
#
#   bash crates/jumpcloud/benches/compare_list.sh [RUNS] [DELAY_MS] [USERS]
#
# Needs jcapiv1 (jcapi-python's v1 package) importable by $PYTHON (default python3).
set -euo pipefail
runs=${1:-3}; delay=${2:-50}; users=${3:-20000}
cd "$(dirname "$0")/../../.."
cargo build --release -q -p idm
cargo bench -p jumpcloud --bench list_users --no-run -q 2>/dev/null
out=${CARGO_TARGET_DIR:-target}
bench=$(ls -t "$out"/release/deps/list_users-* | grep -v "\.d$" | head -1)
ready=$(mktemp)
"$out"/release/idm sandbox serve --users "$users" \
  --faults "jumpcloud:delay=$delay:every=1:count=100000000" > "$ready" &
server=$!
trap 'kill $server 2>/dev/null; rm -f "$ready"' EXIT
while [ ! -s "$ready" ]; do sleep 0.2; done
for i in $(seq "$runs"); do
  "$bench" --ready "$ready" --concurrency 16
  "$bench" --ready "$ready" --concurrency 1
  "${PYTHON:-python3}" crates/jumpcloud/benches/list_users_jcapi.py "$ready"
done
