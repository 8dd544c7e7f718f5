#!/usr/bin/env bash
# user-sync.py 2.10 (its CSV connector) and `idm sync` side by side: the same three files, the
# same CSV, each against a fresh `idm sandbox serve --tls`; two timed runs each (/usr/bin/time -v),
# then a check through the API that the users exist and hold the mapped groups.
#
#   USER_SYNC_SRC=path/to/user-sync.py bash crates/sync/benches/usersync.sh [usersync|idm] [--throttle] [--idm-arg ARG]...
#
#   usersync (default)  user-sync.py, from a virtualenv under target/ built from USER_SYNC_SRC
#                       (a checkout of github.com/adobe-apiplatform/user-sync.py, branch v2)
#   idm                 idm sync with the same files
#   --throttle          the sandbox throttles at a time scale of 60 (idm gets --rate-time-scale 60)
#   --idm-arg ARG       one more argument for `idm sync`, e.g. --idm-arg --no-rate-limit
# Env: N_USERS (default 1000), SANDBOX_USERS (default 2000), TAG (results folder suffix),
#      REBUILD_VENV=1. Results: target/usersync-bench/<tool>-<variant>[-TAG]/. Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/../../.."
cargo build --quiet --release -p idm
target="${CARGO_TARGET_DIR:-target}"
[[ "$target" = /* ]] || target="$PWD/$target"
IDM="$target/release/idm"
HERE="$target/usersync-bench"
VENV=$HERE/venv
TOOL=usersync; THROTTLE=0; IDM_EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    usersync|idm) TOOL=$1 ;;
    --throttle) THROTTLE=1 ;;
    --idm-arg) shift; IDM_EXTRA+=("$1") ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac; shift
done
N_USERS=${N_USERS:-1000}
SANDBOX_USERS=${SANDBOX_USERS:-2000}
VARIANT=$([ $THROTTLE = 1 ] && echo throttled || echo unthrottled)
OUT=$HERE/results/$TOOL-$VARIANT${TAG:+-$TAG}
WORK=$OUT/work
rm -rf "$OUT"; mkdir -p "$WORK"

# ---------- 1. user-sync.py source + virtualenv (idempotent) ----------
setup_venv() {
  local src="${USER_SYNC_SRC:?set USER_SYNC_SRC to a checkout of user-sync.py (branch v2)}"
  if [ "${REBUILD_VENV:-0}" = 1 ]; then rm -rf "$VENV"; fi
  if [ -x "$VENV/bin/user_sync" ] && "$VENV/bin/user_sync" --version >/dev/null 2>&1; then return; fi
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip wheel
  # user-sync.py imports pkg_resources, which setuptools >= 81 no longer ships
  "$VENV/bin/pip" install -q 'setuptools<70'
  # bundled deps: okta 0.0.3.1 wheel and the sign_client package from the repo
  "$VENV/bin/pip" install -q "$src/external/okta-0.0.3.1-py2.py3-none-any.whl" "$src/sign_client"
  # setup.py install_requires, minus the linux extras dbus-python and kerberos, which do not
  # build here (no libdbus-1 / krb5 headers) and are only used by the keyring/LDAP-Kerberos paths
  "$VENV/bin/pip" install -q keyring keyrings.cryptfile psutil pycryptodome==3.9.7 ldap3 PyYAML \
      'umapi-client~=3.0.1' click click-default-group configparser==3.7.4 schema==0.7.2 secretstorage
  "$VENV/bin/pip" install -q --no-deps "$src"
}
if [ $TOOL = usersync ]; then setup_venv; fi

# ---------- 2. fresh sandbox ----------
SB_ARGS=(sandbox serve --tls --users "$SANDBOX_USERS")
[ $THROTTLE = 1 ] && SB_ARGS+=(--throttle on --time-scale 60)
"$IDM" "${SB_ARGS[@]}" > "$OUT/ready.json" 2> "$OUT/sandbox.err" &
SB_PID=$!
trap 'kill $SB_PID 2>/dev/null || true; wait $SB_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$OUT/ready.json" ] && break; sleep 0.1; done
R=$OUT/ready.json
export UMAPI_ORG_ID=$(jq -r .umapi.org_id "$R") UMAPI_CLIENT_ID=$(jq -r .umapi.client_id "$R") \
       UMAPI_CLIENT_SECRET=$(jq -r .umapi.client_secret "$R") UMAPI_ENDPOINT=$(jq -r .umapi.endpoint "$R") \
       UMAPI_IMS_URL=$(jq -r .umapi.ims "$R") IDM_CA_FILE=$(jq -r .tls_ca "$R")
export REQUESTS_CA_BUNDLE=$IDM_CA_FILE       # user-sync.py / requests trust the sandbox CA
UM_HOST=${UMAPI_ENDPOINT#https://}; UM_HOST=${UM_HOST%%/*}
UM_PATH=/${UMAPI_ENDPOINT#https://*/}
IMS_HOST=${UMAPI_IMS_URL#https://}; IMS_HOST=${IMS_HOST%%/*}

# ---------- 3. config files (user-sync.py 2.10 format) ----------
cat > "$WORK/connector-umapi.yml" <<EOF
authentication_method: oauth
server:
  host: $UM_HOST
  endpoint: $UM_PATH
  auth_host: $IMS_HOST
  auth_endpoint: /ims/token/v3
enterprise:
  org_id: "$UMAPI_ORG_ID"
  client_id: "$UMAPI_CLIENT_ID"
  client_secret: "$UMAPI_CLIENT_SECRET"
EOF
cat > "$WORK/connector-csv.yml" <<'EOF'
email_column_name: email
first_name_column_name: firstname
last_name_column_name: lastname
country_column_name: country
groups_column_name: groups
identity_type_column_name: type
username_column_name: username
domain_column_name: domain
EOF
cat > "$WORK/user-sync-config.yml" <<'EOF'
adobe_users:
  exclude_identity_types:
    - adobeID
  connectors:
    umapi: connector-umapi.yml
directory_users:
  user_identity_type: federatedID
  default_country_code: US
  connectors:
    csv: connector-csv.yml
  groups:
    - directory_group: Designers
      adobe_groups:
        - Design Team
        - All Apps - Default
limits:
  max_adobe_only_users: 100%
logging:
  log_to_file: False
  console_log_level: info
invocation_defaults:
  adobe_only_user_action: preserve
  adobe_users: all
  process_groups: Yes
  strategy: sync
  test_mode: No
  update_user_info: No
EOF
"$IDM" umapi --no-rate-limit users list --all -o json > "$OUT/adobe-before.json"
{
  echo "firstname,lastname,email,country,groups,type,username,domain"
  for i in $(seq -f %04g 1 "$N_USERS"); do
    echo "Designer,User$i,designer.$i@example.net,US,Designers,federatedID,designer.$i@example.net,example.net"
  done
} > "$WORK/users.csv"
clash=$(jq -r '.[].email' "$OUT/adobe-before.json" | grep -c '^designer\.[0-9]*@example\.net$' || true)
[ "$clash" = 0 ] || { echo "CSV emails already exist in the sandbox ($clash)" >&2; exit 1; }

# ---------- 4. two timed runs ----------
cd "$WORK"
for run in 1 2; do
  if [ $TOOL = usersync ]; then
    CMD=("$VENV/bin/user_sync" sync -c user-sync-config.yml --users file users.csv --process-groups)
  else
    CMD=("$IDM" sync -c user-sync-config.yml --users file users.csv --process-groups "${IDM_EXTRA[@]}")
    [ $THROTTLE = 1 ] && CMD+=(--rate-time-scale 60)
  fi
  echo "run $run: ${CMD[*]}" | tee "$OUT/cmd$run.txt"
  set +e
  /usr/bin/time -v -o "$OUT/time$run.txt" "${CMD[@]}" > "$OUT/run$run.out" 2> "$OUT/run$run.err"
  rc=$?
  set -e
  echo "  exit=$rc  wall=$(grep 'Elapsed (wall' "$OUT/time$run.txt" | awk '{print $NF}')  maxRSS_kB=$(grep 'Maximum resident' "$OUT/time$run.txt" | awk '{print $NF}')" | tee -a "$OUT/summary.txt"
done

# ---------- 5. verify via the sandbox ----------
"$IDM" umapi --no-rate-limit users list --all -o json > "$OUT/adobe-after.json"
{
  echo "adobe users before=$(jq length "$OUT/adobe-before.json") after=$(jq length "$OUT/adobe-after.json")"
  echo "new designer users present: $(jq '[.[]|select(.email|test("^designer\\.[0-9]+@example\\.net$"))]|length' "$OUT/adobe-after.json")"
  echo "  ...in Design Team AND All Apps - Default: $(jq '[.[]|select((.email|test("^designer\\.[0-9]+@example\\.net$")) and (.groups|index("Design Team")) and (.groups|index("All Apps - Default")))]|length' "$OUT/adobe-after.json")"
  echo "  ...type federatedID: $(jq '[.[]|select((.email|test("^designer\\.[0-9]+@example\\.net$")) and .type=="federatedID")]|length' "$OUT/adobe-after.json")"
  echo "non-adobeID users left in mapped groups who are not in the CSV: $(jq '[.[]|select(.type!="adobeID" and ((.email|test("^designer\\.[0-9]+@example\\.net$"))|not) and ((.groups|index("Design Team")) or (.groups|index("All Apps - Default"))))]|length' "$OUT/adobe-after.json")"
  echo "sandbox: $(curl -s --cacert "$IDM_CA_FILE" "$UMAPI_IMS_URL/_sandbox/stats" | jq -c '{requests, rate_limited_429: .rate_limited, actions_processed}')"
} | tee -a "$OUT/summary.txt"
echo "results in $OUT"
