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
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL database}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/1}"
BASE_PORT="${BASE_PORT:-8180}"
WORKDIR="${WORKDIR:-$(mktemp -d /tmp/portline-topology.XXXXXX)}"
BIN="${BIN:-.venv/bin}"
NGINX="${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"
export PORTLINE_VAR_DIR="${PORTLINE_VAR_DIR:-$WORKDIR/var}"
export PORTLINE_LOG_LEVEL="${PORTLINE_LOG_LEVEL:-WARNING}"
export PORTLINE_WORKER_STALE_SECONDS="${PORTLINE_WORKER_STALE_SECONDS:-10}"
mkdir -p "$WORKDIR/nginx/tmp" "$PORTLINE_VAR_DIR"
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill -9 -- "-$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
step() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*"; }
start() { # start NAME COMMAND...: its own process group, so kill -9 reaches its children
  local name=$1; shift
  setsid "$@" >"$WORKDIR/$name.log" 2>&1 &
  PIDS+=($!); eval "PID_${name//-/_}=$!"
}
wait_ok() { # wait_ok URL: until it answers 200
  for _ in $(seq 1 200); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ] && return 0; sleep 0.1
  done
  echo "no answer from $1"; tail -20 "$WORKDIR"/*.log; return 1
}

if [ -z "${SKIP_MIGRATE:-}" ]; then
  step "migrate"; "$BIN/portline" migrate --no-input -v0; "$BIN/portline" manage createcachetable
fi
"$BIN/portline" manage collectstatic --no-input -v0
step "two application servers (ports $((BASE_PORT + 1)), $((BASE_PORT + 2))) and two workers"
start app-1 "$BIN/portline" serve "127.0.0.1:$((BASE_PORT + 1))" --workers 1 --threads 4 --no-collectstatic
start app-2 "$BIN/portline" serve "127.0.0.1:$((BASE_PORT + 2))" --workers 1 --threads 4 --no-collectstatic
start worker-1 "$BIN/portline" worker --heartbeat 1
start worker-2 "$BIN/portline" worker --heartbeat 1

sed -e "s|# @UPSTREAMS@.*|server 127.0.0.1:$((BASE_PORT + 1)) max_fails=1 fail_timeout=5s; server 127.0.0.1:$((BASE_PORT + 2)) max_fails=1 fail_timeout=5s;|" \
    -e "s|# @LISTEN@.*|listen 127.0.0.1:$BASE_PORT;|" \
    -e "s|@ACCESS_LOG@|$WORKDIR/nginx/access.log|" deploy/nginx/portline.conf >"$WORKDIR/nginx/portline.conf"
cat >"$WORKDIR/nginx/nginx.conf" <<CONF
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
"$NGINX" -t -q -p "$WORKDIR/nginx" -c "$WORKDIR/nginx/nginx.conf"
start nginx "$NGINX" -p "$WORKDIR/nginx" -c "$WORKDIR/nginx/nginx.conf" -g "daemon off;"
PROXY="http://127.0.0.1:$BASE_PORT"
wait_ok "http://127.0.0.1:$((BASE_PORT + 1))/healthz"; wait_ok "http://127.0.0.1:$((BASE_PORT + 2))/healthz"
wait_ok "$PROXY/readyz"
step "ready through the proxy: $(curl -s "$PROXY/readyz")"

step "journey 1 through the proxy"
"$BIN/python" deploy/journey.py "$PROXY"

step "kill -9 worker-1 and application server 1 in the middle"
kill -9 -- "-$PID_worker_1"; kill -9 -- "-$PID_app_1"
step "journey 2 through the proxy (one server, one worker left)"
"$BIN/python" deploy/journey.py "$PROXY"
wait_ok "$PROXY/readyz"
step "still ready: $(curl -s "$PROXY/readyz")"
step "a task queued now is run by worker-2"
"$BIN/portline" shell -c "from portline.appointments.tasks import appointments_expire_task as t; print(t.enqueue().id)" >"$WORKDIR/task-id"
TASK_ID=$(tail -1 "$WORKDIR/task-id")
for _ in $(seq 1 100); do
  STATUS=$("$BIN/portline" shell -c "from django_tasks_db.models import DBTaskResult; print(DBTaskResult.objects.get(id='$TASK_ID').status)" 2>/dev/null | tail -1)
  [ "$STATUS" = SUCCESSFUL ] && break; sleep 0.3
done
[ "$STATUS" = SUCCESSFUL ] || { echo "task $TASK_ID: $STATUS"; exit 1; }
step "task $TASK_ID: $STATUS"
if grep -q '?' "$WORKDIR/nginx/access.log"; then echo "a query string reached nginx's access log"; exit 1; fi
step "nginx access log (no query strings, no addresses): $(wc -l <"$WORKDIR/nginx/access.log") lines"
echo "TOPOLOGY OK"
