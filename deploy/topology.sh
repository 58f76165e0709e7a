#!/usr/bin/env bash
# Scale-out on one machine: two application servers and two task workers against one
# PostgreSQL and Redis, behind nginx; the applicant journey through the proxy; one worker
# and one application server killed in the middle. Exits non-zero if anything fails.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/portline_prod \
#   REDIS_URL=redis://127.0.0.1:6379/1 bash deploy/topology.sh
#
# Ports: nginx on $BASE_PORT (8180), servers on BASE_PORT+1 and +2. Logs under $WORKDIR.
set -euo pipefail
shopt -s lastpipe
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL database}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/1}"
BASE_PORT="${BASE_PORT:-8180}"
WORKDIR="${WORKDIR:-$(mktemp -d /tmp/portline-topology.XXXXXX)}"
BIN="${BIN:-.venv/bin}"
NGINX_BIN="${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"
unset NGINX  # nginx itself reads $NGINX as a list of inherited sockets
export PORTLINE_VAR_DIR="${PORTLINE_VAR_DIR:-$WORKDIR/var}"
export PORTLINE_LOG_LEVEL="${PORTLINE_LOG_LEVEL:-WARNING}"
export PORTLINE_WORKER_STALE_SECONDS="${PORTLINE_WORKER_STALE_SECONDS:-10}"
export PORTLINE_TRUSTED_PROXIES="${PORTLINE_TRUSTED_PROXIES:-127.0.0.1}"  # nginx, for per-address limits
mkdir -p "$WORKDIR/nginx/tmp" "$PORTLINE_VAR_DIR"
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill -9 -- "-$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
trap 'exit 1' INT TERM
step() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*"; }
start() { # start NAME COMMAND...: its own process group, so kill -9 reaches its children
  local name=$1; shift
  setsid "$@" >"$WORKDIR/$name.log" 2>&1 &
  PIDS+=($!); eval "PID_${name//-/_}=$!"
}
wait_ok() { # wait_ok URL: until it answers 200, for up to $WAIT_SECONDS (60; a busy machine
  # can take a while to start servers and workers); else what it last said, and the logs
  local deadline=$((SECONDS + ${WAIT_SECONDS:-60})) answer=""
  while [ "$SECONDS" -lt "$deadline" ]; do
    answer=$(curl -s --max-time 5 -w ' HTTP %{http_code}' "$1" || true)
    [ "${answer##* HTTP }" = 200 ] && return 0; sleep 0.2
  done
  echo "no answer 200 from $1 in ${WAIT_SECONDS:-60} s; the last: ${answer:-nothing}"
  for log in "$WORKDIR"/*.log "$WORKDIR"/nginx/error.log; do
    [ -f "$log" ] && { echo "--- $log"; tail -n 20 "$log"; }
  done
  return 1
}

if [ -z "${SKIP_MIGRATE:-}" ]; then
  step "migrate"; "$BIN/portline" migrate --no-input -v0
fi
[ -n "${SKIP_COLLECTSTATIC:-}" ] || "$BIN/portline" manage collectstatic --no-input -v0
step "two application servers (ports $((BASE_PORT + 1)), $((BASE_PORT + 2))) and two workers"
start app-1 "$BIN/portline" serve "127.0.0.1:$((BASE_PORT + 1))" --workers 1 --threads 4 --no-collectstatic
start app-2 "$BIN/portline" serve "127.0.0.1:$((BASE_PORT + 2))" --workers 1 --threads 4 --no-collectstatic
start worker-1 "$BIN/portline" worker --heartbeat 1
start worker-2 "$BIN/portline" worker --heartbeat 1

sed -e "s|# @UPSTREAMS@.*|server 127.0.0.1:$((BASE_PORT + 1)) max_fails=1 fail_timeout=5s; server 127.0.0.1:$((BASE_PORT + 2)) max_fails=1 fail_timeout=5s;|" \
    -e "s|# @LISTEN@.*|listen 127.0.0.1:$BASE_PORT;|" \
    -e "s|@ACCESS_LOG@|$WORKDIR/nginx/access.log|" \
    -e "s|@INFLIGHT@|4|g" \
    -e "s|@PAGES@|$WORKDIR/nginx/pages|g" deploy/nginx/portline.conf >"$WORKDIR/nginx/portline.conf"
# the in-flight limit: 2 servers x (4 threads - 2 kept for staff); nginx's own answers:
"$BIN/portline" nginx pages "$WORKDIR/nginx/pages" >/dev/null
# workers run as the user who starts nginx: they read the pages under $WORKDIR
NGINX_USER=$([ "$(id -u)" = 0 ] && echo "user $(id -un);" || true)
cat >"$WORKDIR/nginx/nginx.conf" <<CONF
$NGINX_USER
worker_processes 1;
pid $WORKDIR/nginx/nginx.pid;
error_log $WORKDIR/nginx/error.log warn;
events { worker_connections 1024; }
http {
  client_body_temp_path $WORKDIR/nginx/tmp/body;
  proxy_temp_path $WORKDIR/nginx/tmp/proxy;
  fastcgi_temp_path $WORKDIR/nginx/tmp/fastcgi;
  uwsgi_temp_path $WORKDIR/nginx/tmp/uwsgi;
  scgi_temp_path $WORKDIR/nginx/tmp/scgi;
  include $WORKDIR/nginx/portline.conf;
}
CONF
"$NGINX_BIN" -t -q -p "$WORKDIR/nginx" -c "$WORKDIR/nginx/nginx.conf"
start nginx "$NGINX_BIN" -p "$WORKDIR/nginx" -c "$WORKDIR/nginx/nginx.conf" -g "daemon off;"
PROXY="http://127.0.0.1:$BASE_PORT"
wait_ok "http://127.0.0.1:$((BASE_PORT + 1))/healthz"; wait_ok "http://127.0.0.1:$((BASE_PORT + 2))/healthz"
wait_ok "$PROXY/readyz"
step "ready through the proxy: $(curl -s --max-time 10 "$PROXY/readyz")"

step "journey 1 through the proxy"
"$BIN/python" deploy/journey.py "$PROXY"

step "journey 2 through the proxy; kill -9 worker-1 and application server 1 while it runs"
"$BIN/python" deploy/journey.py "$PROXY" >"$WORKDIR/journey-2.out" 2>&1 &
JOURNEY=$!
sleep "${KILL_AFTER:-0.5}"
kill -9 -- "-$PID_worker_1" "-$PID_app_1"
wait "$JOURNEY" || { cat "$WORKDIR/journey-2.out"; exit 1; }
cat "$WORKDIR/journey-2.out"
wait_ok "$PROXY/readyz"
step "still ready (one server, one worker left): $(curl -s --max-time 10 "$PROXY/readyz")"
step "a task queued now is run by worker-2"
"$BIN/portline" shell -c "
import time
from django_tasks_db.models import DBTaskResult
from portline.appointments.tasks import appointments_expire_task
task_id = appointments_expire_task.enqueue().id
for _ in range(100):
    status = DBTaskResult.objects.get(id=task_id).status
    if status == 'SUCCESSFUL':
        break
    time.sleep(0.2)
print('task', task_id, status)
raise SystemExit(0 if status == 'SUCCESSFUL' else 1)
" 2>&1 | tail -1
step "bad input at the proxy: an oversized body, a flood from one address"
BIG=$(head -c 13000000 /dev/zero | curl -s --max-time 20 -o /dev/null -w '%{http_code}' -X POST \
  -H 'Content-Type: application/json' --data-binary @- "$PROXY/api/v1/registrations")
[ "$BIG" = 413 ] || { echo "oversized body: HTTP $BIG, expected 413"; exit 1; }
"$BIN/python" - "$BASE_PORT" >"$WORKDIR/flood.out" <<'PY'
import http.client, sys
from concurrent.futures import ThreadPoolExecutor
def get(_):
    conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
    conn.request("GET", "/api/v1/ports")
    status = conn.getresponse().status
    conn.close()
    return status
with ThreadPoolExecutor(20) as pool:
    for status in pool.map(get, range(200)):
        print(status)
PY
# turned away at the proxy: per address (429) or past the applicants' in-flight limit (503)
LIMITED=$(grep -c '^429$' "$WORKDIR/flood.out" || true)
BUSY=$(grep -c '^503$' "$WORKDIR/flood.out" || true)
OTHER=$(curl -s --max-time 10 --interface 127.0.0.2 -o /dev/null -w '%{http_code}' "$PROXY/api/v1/ports")
[ $((LIMITED + BUSY)) -gt 0 ] && [ "$OTHER" = 200 ] || { echo "flood: $LIMITED limited, $BUSY busy, other address $OTHER"; exit 1; }
step "oversized body: 413; flood of 200 from 127.0.0.1: $LIMITED answered 429, $BUSY 503; 127.0.0.2 right after: $OTHER"
if grep -q '?' "$WORKDIR/nginx/access.log"; then echo "a query string reached nginx's access log"; exit 1; fi
step "nginx access log (no query strings, no addresses): $(wc -l <"$WORKDIR/nginx/access.log") lines"
echo "TOPOLOGY OK"
