#!/usr/bin/env bash
# `idm sync` end to end, JumpCloud → Adobe, against `idm sandbox serve` (the one company):
# a first sync, then a second and a third (with faults injected, the second sends what the first
# could not; the third must plan nothing). Each run is timed with /usr/bin/time -v.
#
#   bash crates/sync/benches/sync.sh USERS [SANDBOX FLAGS...]
#   bash crates/sync/benches/sync.sh 20000
#   bash crates/sync/benches/sync.sh 5000 --throttle on --time-scale 60
#
# Unthrottled, the client does not pace itself (--no-rate-limit); with --throttle on and
# --time-scale N it paces itself to the sandbox's minute (--rate-time-scale N),
# and the sandbox's statistics show how many 429s it sent (none is the goal).
# Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/../../.."
users="${1:-20000}"
shift || true
extra=("$@")
scale=1
pacing=(--no-rate-limit) # an unthrottled sandbox: no client-side pacing either
for ((i = 0; i < ${#extra[@]}; i++)); do
    [ "${extra[$i]}" = "--time-scale" ] && scale="${extra[$((i + 1))]}"
    [ "${extra[$i]}" = "--throttle" ] && pacing=()
done
cargo build --quiet --release -p idm
target="${CARGO_TARGET_DIR:-target}"
[[ "$target" = /* ]] || target="$PWD/$target"
idm="$target/release/idm"
work=$(mktemp -d)
"$idm" sandbox serve --users "$users" "${extra[@]}" >"$work/ready.json" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 600); do [ -s "$work/ready.json" ] && break; sleep 0.1; done
r() { jq -r "$1" "$work/ready.json"; }
export UMAPI_ENDPOINT="$(r .umapi.endpoint)" UMAPI_IMS_URL="$(r .umapi.ims)"
export UMAPI_ORG_ID="$(r .umapi.org_id)" UMAPI_CLIENT_ID="$(r .umapi.client_id)"
export UMAPI_CLIENT_SECRET="$(r .umapi.client_secret)"
export JUMPCLOUD_BASE_URL="${UMAPI_IMS_URL}" JUMPCLOUD_API_KEY="$(r .jumpcloud.api_key)"
export IDM_RATE_TIME_SCALE="$scale"
base="${UMAPI_IMS_URL}"
cat >"$work/user-sync-config.yml" <<'YAML'
adobe_users:
  exclude_identity_types: [adobeID]
  exclude_adobe_groups: [_org_admin]
  update_attributes: [firstname, lastname]
directory_users:
  user_identity_type: enterpriseID
  default_country_code: US
  groups:
    - directory_group: Adobe_Designers
      adobe_groups: [Design Team, All Apps - Default]
    - directory_group: Adobe_Marketing
      adobe_groups: [Marketing Users, Adobe Express - Default]
    - directory_group: Adobe_Acrobat
      adobe_groups: [Acrobat Pro - Default]
limits:
  max_adobe_only_users: 100%
invocation_defaults:
  connector: jumpcloud
  process_groups: Yes
  update_user_info: Yes
YAML
stats() { curl -s "$base/_sandbox/stats"; }
for run in first second third; do
    echo "== $run sync ($users users; sandbox: ${extra[*]:-unthrottled})"
    before=$(stats)
    /usr/bin/time -v "$idm" sync -c "$work/user-sync-config.yml" -o json "${pacing[@]}" \
        --journal "$work/$run.journal" >"$work/$run.out" 2>"$work/$run.err" || echo "exit $?"
    grep -E "Number of|Elapsed \(wall|Maximum resident" "$work/$run.err" | sed 's/^\s*//'
    after=$(stats)
    jq -n --argjson a "$before" --argjson b "$after" \
        '{requests: (([$b.requests[]] | add // 0) - ([$a.requests[]] | add // 0)), rate_limited_429: ($b.rate_limited - $a.rate_limited), rate_limited_by_route_so_far: $b.rate_limited_by_route, umapi_actions_processed: ($b.actions_processed - $a.actions_processed)}' ||
        echo "stats: $after"
done
