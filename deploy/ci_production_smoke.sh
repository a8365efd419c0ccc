#!/usr/bin/env bash
# Production smoke (called by .ci/run): gunicorn + the task worker on a fresh PostgreSQL database with
# DEBUG=0, a journey over real HTTP (deploy/smoke.py), `tidu backup`, a restore into another fresh database
# and media folder, gunicorn again on the restored copy, and a check that it serves the same application.
# Everything it starts it stops, and both databases are dropped, whatever happens (trap).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG="postgres://postgres@127.0.0.1:5432"
work="$(mktemp -d)"
db_a="tidu_smoke_$$_a"
db_b="tidu_smoke_$$_b"
pids=()

stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
cleanup() {
  local status=$?
  stop_all
  if ((status != 0)); then
    for log in "$work"/*.log; do [[ -f $log ]] && { echo "---- $log (last 40 lines)"; tail -n 40 "$log"; }; done
  fi
  for db in "$db_a" "$db_b"; do psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; done
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT INT TERM

free_port() { "$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_healthy() {  # $1 = base URL; the worker's first heartbeat may take a moment
  for _ in $(seq 60); do
    "$BIN/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/healthz", timeout=5)' "$1" \
      2>/dev/null && return 0
    sleep 1
  done
  echo "no healthy answer from $1/healthz within 60 s" >&2
  return 1
}
start_servers() {  # $1 = port, $2 = log name
  GUNICORN_BIND="127.0.0.1:$1" GUNICORN_WORKERS=2 "$BIN/gunicorn" -c deploy/gunicorn.conf.py >"$work/$2-web.log" 2>&1 &
  pids+=($!)
  "$BIN/python" manage.py db_worker --no-reload --no-startup-delay --worker-id "smoke-$2" >"$work/$2-worker.log" 2>&1 &
  pids+=($!)
}

export DEBUG=0 ALLOWED_HOSTS=127.0.0.1 SECRET_KEY="smoke-$(head -c 48 /dev/urandom | base64 | tr -d '/+=')"
# Plain HTTP on the loopback: the cookies cannot be "Secure" here (production sets them so behind TLS).
export SECURE_COOKIES=0
# The smoke journey signs the city officer in with a password only; the TOTP second factor that production
# asks of city officers has its own tests (tidu/accounts/tests/test_second_factor.py and a browser test).
export TIDU_OTP_REQUIRED_ROLES=""
export TASKS_BACKEND=django_tasks_db.DatabaseBackend LOG_FORMAT=json
# The demo clock puts "now" inside the 2026 call window so that the enterprise may submit (README).
export TIDU_NOW=2026-02-20T10:00:00+08:00
export TIDU_VAR_DIR="$work/var" STATIC_ROOT="$work/static"
# The API fuzz below makes a few hundred calls per token within a minute: above the production default.
export TIDU_API_RATE_PER_MINUTE=10000

echo "smoke: fresh database $db_a, demo data, collectstatic"
psql "$PG/postgres" -qc "CREATE DATABASE $db_a"
export DATABASE_URL="$PG/$db_a" MEDIA_ROOT="$work/media-a"
"$BIN/python" manage.py migrate --noinput -v0
"$BIN/python" manage.py collectstatic --noinput -v0
"$BIN/python" manage.py load_demo >"$work/load_demo.log"
call_pk="$("$BIN/python" manage.py shell -c 'from tidu.policy.models import Call; print(Call.objects.get(code="tianmen-2026-basic").pk)' 2>/dev/null | tail -n1)"

port_a="$(free_port)"
start_servers "$port_a" a
wait_healthy "http://127.0.0.1:$port_a"
"$BIN/python" deploy/smoke.py journey --base "http://127.0.0.1:$port_a" --call-pk "$call_pk" --state "$work/state.json"
grep -q '"request_id": "[0-9a-f]\{32\}"' "$work/a-web.log" || { echo "no JSON access line with a request id" >&2; exit 1; }

echo "smoke: tidu backup, then stop the first servers"
"$BIN/python" manage.py backup --output "$work/backups" | tee "$work/backup.out"
backup="$(sed -n 's/^备份完成：//p' "$work/backup.out")"
stop_all

echo "smoke: restore into the fresh database $db_b and an empty media folder"
psql "$PG/postgres" -qc "CREATE DATABASE $db_b"
export DATABASE_URL="$PG/$db_b" MEDIA_ROOT="$work/media-b"
"$BIN/python" manage.py restore --check "$backup"
"$BIN/python" manage.py restore "$backup"
"$BIN/python" manage.py migrate --check --noinput -v0  # the restored schema is the code's schema

port_b="$(free_port)"
start_servers "$port_b" b
wait_healthy "http://127.0.0.1:$port_b"
"$BIN/python" deploy/smoke.py compare --base "http://127.0.0.1:$port_b" --state "$work/state.json"

# The HTTP API's own contract, fuzzed from its OpenAPI document (schemathesis) with a token of each role
# against this gunicorn: no 500, every status documented, every response matching its schema, and nothing
# outside the caller's visibility (tidu/api/fuzz_hooks.py asks the selectors on this same database).
echo "smoke: API fuzz (schemathesis) with an enterprise, a township and a city token"
for who in huachu yuekou city; do
  token="$("$BIN/python" manage.py api_token "$who" --name ci-fuzz | tail -n1)"
  SCHEMATHESIS_HOOKS=tidu.api.fuzz_hooks timeout 300 "$BIN/schemathesis" run "http://127.0.0.1:$port_b/api/openapi.json" \
    -H "Authorization: Bearer $token" --phases examples,fuzzing --max-examples 8 \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,within_visibility \
    --generation-deterministic --request-timeout 30 --report-dir "$work/schemathesis-$who"
done
echo "smoke: production smoke passed"
