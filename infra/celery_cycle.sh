#!/usr/bin/env bash
# One credit cycle on the production stack, on one machine, without Docker: PostgreSQL 15 and
# Redis from Debian, the image's Python environment (uv.lock + docker/requirements-prod.txt,
# installed as infra/docker/Dockerfile does), api-server, scheduler, dag-processor, triggerer
# and one Celery worker with the image's Celery settings and cluster policy. It triggers
# `credit_cycle` on a generated landing, waits for the run, prints what it measured, and
# stops everything it started whatever happens. Numbers of a run: infra/README.md.
#
#   infra/celery_cycle.sh                     # 200 penalty rows, worker concurrency 2
#   PENALTIES=100000 CONCURRENCY=4 infra/celery_cycle.sh
#   KEEP=1 infra/celery_cycle.sh              # keep the work folder (logs, lake) afterwards
#
# Needs: `uv`, Debian's `postgresql` and `redis-server` (apt-get install postgresql
# redis-server), network or uv's cache for the production extras. The environment is built
# once in $CELERY_VENV (default /tmp/creditlake-celery-venv) and reused while uv.lock and
# requirements-prod.txt are unchanged. PostgreSQL refuses to run as root: as root, it runs as
# Debian's `postgres` user through `runuser` (as tests/e2e/test_production_path.py does).
# Everything listens on 127.0.0.1 only, on free ports; PostgreSQL trusts local connections
# and Redis has no password: both live only as long as this script.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PENALTIES=${PENALTIES:-200}
CONCURRENCY=${CONCURRENCY:-2}
AS_OF=${AS_OF:-2026-11-22}
TIMEOUT=${TIMEOUT:-900}
VENV=${CELERY_VENV:-/tmp/creditlake-celery-venv}
PG_BIN=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1)")
command -v redis-server >/dev/null || { echo "no redis-server: apt-get install redis-server" >&2; exit 2; }
[ -x "$PG_BIN/initdb" ] || { echo "no PostgreSQL server: apt-get install postgresql" >&2; exit 2; }

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
since() { python3 -c "print(f'{$(now) - $1:.1f}')"; }

WORK=$(mktemp -d /tmp/creditlake-celery.XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres: "$WORK"
chmod 755 "$WORK"
PIDS=()
cleanup() {
    set +e
    for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
    for _ in $(seq 30); do
        alive=0
        for pid in "${PIDS[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
        [ $alive = 0 ] && break
        sleep 1
    done
    for pid in "${PIDS[@]}"; do kill -KILL -- "-$pid" 2>/dev/null; done
    if [ -n "${PG_PID:-}" ]; then  # last: the components above held connections to it
        as_pg "$PG_BIN/pg_ctl" stop -D "$WORK/pg" -m fast -w >/dev/null
        kill -KILL -- "-$PG_PID" 2>/dev/null
    fi
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# start NAME CMD...: in a session of its own (setsid), so cleanup stops it with all it forked
start() { local name=$1; shift; setsid "$@" >"$WORK/$name.log" 2>&1 & PIDS+=($!); }

# 1. The image's environment: the lock without dev dependencies, then the production extras
#    constrained by the lock (infra/docker/Dockerfile, steps 1-3), the project editable.
t=$(now)
stamp="$VENV/.built-$(cat "$ROOT/uv.lock" "$ROOT/infra/docker/requirements-prod.txt" | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
    rm -rf "$VENV"
    UV_PYTHON_DOWNLOADS=never uv venv -q --python 3.11 "$VENV"
    (cd "$ROOT" && uv export -q --frozen --no-dev --no-hashes --no-emit-project --format requirements.txt \
        -o "$VENV/lock-constraints.txt")
    uv pip install -q --python "$VENV/bin/python" --compile-bytecode -r "$VENV/lock-constraints.txt" \
        --constraint "$VENV/lock-constraints.txt" -r "$ROOT/infra/docker/requirements-prod.txt"
    uv pip install -q --python "$VENV/bin/python" --no-deps -e "$ROOT"
    touch "$stamp"
fi
echo "environment      $(since "$t") s  ($VENV)"

# 2. PostgreSQL and Redis.
t=$(now)
PG_PORT=$(free_port) REDIS_PORT=$(free_port) API_PORT=$(free_port)
as_pg "$PG_BIN/initdb" -D "$WORK/pg" -A trust -U airflow -E UTF8 --no-sync >"$WORK/initdb.log"
AS_PG=(); [ "$(id -u)" = 0 ] && AS_PG=(runuser -u postgres --)
setsid "${AS_PG[@]}" "$PG_BIN/postgres" -D "$WORK/pg" -p "$PG_PORT" -k "$WORK" \
    -c listen_addresses=127.0.0.1 -c fsync=off >"$WORK/postgres.log" 2>&1 &
PG_PID=$!
start redis redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no
psql() { "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U airflow -XAtq "$@"; }
for _ in $(seq 100); do psql -d postgres -c 'select 1' >/dev/null 2>&1 && break; sleep 0.2; done
psql -d postgres -c 'create database airflow'
echo "postgres, redis  $(since "$t") s  (ports $PG_PORT, $REDIS_PORT)"

# 3. Airflow as compose configures it (infra/compose/docker-compose.yml), on this machine.
HOME_DIR="$WORK/airflow"
mkdir -p "$HOME_DIR/config"
cp "$ROOT/infra/airflow/airflow_local_settings.py" "$ROOT/infra/airflow/creditlake_celery_config.py" \
    "$HOME_DIR/config/"
DB="postgresql+psycopg2://airflow@127.0.0.1:$PG_PORT/airflow"
export AIRFLOW_HOME="$HOME_DIR" \
    AIRFLOW__CORE__DAGS_FOLDER="$ROOT/dags" \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT=120 \
    AIRFLOW__CORE__EXECUTOR=CeleryExecutor \
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="$DB" \
    AIRFLOW__CELERY__RESULT_BACKEND="db+postgresql://airflow@127.0.0.1:$PG_PORT/airflow" \
    AIRFLOW__CELERY__BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0" \
    AIRFLOW__CELERY__WORKER_CONCURRENCY="$CONCURRENCY" \
    AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS=creditlake_celery_config.CELERY_CONFIG \
    AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://127.0.0.1:$API_PORT/execution/" \
    AIRFLOW__API__HOST=127.0.0.1 AIRFLOW__API__PORT="$API_PORT" AIRFLOW__API__WORKERS=1 \
    AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT="$(free_port)" \
    AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT="$(free_port)" \
    AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=False \
    AIRFLOW__CORE__DEFAULT_TIMEZONE=Asia/Shanghai \
    CREDITLAKE_SCHEDULE=none \
    CREDITLAKE_AUDIT_KEY_FILE="$WORK/audit.key" \
    GX_ANALYTICS_ENABLED=False DBT_SEND_ANONYMOUS_USAGE_STATS=False PYTHONUNBUFFERED=1
AIRFLOW__API__SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')
AIRFLOW__API_AUTH__JWT_SECRET=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')
export AIRFLOW__API__SECRET_KEY AIRFLOW__API_AUTH__JWT_SECRET
AF="$VENV/bin/airflow"
t=$(now)
"$AF" db migrate >"$WORK/migrate.log" 2>&1
"$AF" pools import "$ROOT/infra/airflow/pools.json" >/dev/null
echo "migrate, pools   $(since "$t") s"

t=$(now)
start api-server "$AF" api-server
start scheduler "$AF" scheduler
start dag-processor "$AF" dag-processor
start triggerer "$AF" triggerer
start worker "$AF" celery worker
"$VENV/bin/creditlake" generate --out "$WORK/landing" --penalties "$PENALTIES" --as-of "$AS_OF" >/dev/null
until [ -n "$(psql -c "select 1 from serialized_dag where dag_id = 'credit_cycle'" 2>/dev/null)" ] &&
    grep -q "ready" "$WORK/worker.log"; do
    [ "$(since "$t" | cut -d. -f1)" -lt 180 ] || { echo "components not ready in 180 s" >&2; tail -20 "$WORK"/*.log; exit 1; }
    sleep 1
done
echo "components up    $(since "$t") s  ($(grep -o 'creditlake: preloaded.*' "$WORK/worker.log" | head -1))"

# 4. The run, with the conf `creditlake run` passes (creditlake.settings.RunConfig.to_conf).
CONF=$(printf '{"landing": "%s", "lake": "%s", "as_of": "%s", "profile": "national", "summary": "%s", "registry": "%s"}' \
    "$WORK/landing" "$WORK/lake" "$AS_OF" "$WORK/summary.json" "$ROOT/publishing/registry_example")
t=$(now)
"$AF" dags trigger credit_cycle --run-id celery-cycle --conf "$CONF" >/dev/null
state=""
until [ "$state" = success ] || [ "$state" = failed ]; do
    [ "$(since "$t" | cut -d. -f1)" -lt "$TIMEOUT" ] || { echo "run not finished in $TIMEOUT s" >&2; state=timeout; break; }
    sleep 2
    state=$(psql -c "select state from dag_run where run_id = 'celery-cycle'")
done
echo "run              $(since "$t") s from trigger to $state"
psql -F ' ' -c "select rpad(task_id || coalesce('[' || nullif(map_index, -1) || ']', ''), 24), rpad(state, 8),
    to_char(extract(epoch from end_date - start_date), 'FM990.00') || ' s', 'pid ' || pid, hostname, pool
    from task_instance where run_id = 'celery-cycle' order by start_date nulls last"
echo "overlapping task pairs: $(psql -c "select count(*) from task_instance a join task_instance b
    on a.run_id = b.run_id and a.id < b.id and a.start_date < b.end_date and b.start_date < a.end_date
    where a.run_id = 'celery-cycle'")"
if [ "$state" != success ]; then
    tail -40 "$WORK"/scheduler.log "$WORK"/worker.log >&2
    exit 1
fi
"$VENV/bin/python" - "$WORK" <<'EOF'
import json, sys
from pathlib import Path
work = Path(sys.argv[1])
s = json.loads((work / "summary.json").read_text(encoding="utf-8"))
assert not s["failed"], s["failed"]
print("summary          failed=[]; published " + ", ".join(f"{p['dataset']} {p['rows']} rows" for p in s["published"]))
latest = json.loads((work / "lake/open/penalties/latest.json").read_text(encoding="utf-8"))
print(f"open data        penalties/latest.json -> version {latest['version']}")
EOF
