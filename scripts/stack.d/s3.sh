# shellcheck shell=bash
# Service "s3": moto's S3 API server on 127.0.0.1, from the project venv (.venv-ref).
# Port: STACK_S3_PORT (default 9000). moto accepts any credentials; the ones printed by `env` are
# fixed test values so every tool (SDK, delta-rs, DuckDB) signs requests the same way.

S3_HOST=127.0.0.1
S3_PIDFILE="$SERVICE_DIR/pid"
S3_MATCH=moto_server
S3_PORT=${STACK_S3_PORT:-9000}
# A running server keeps the port it was started on, whatever STACK_S3_PORT says now.
if pid_alive "$S3_PIDFILE" "$S3_MATCH" && [ -f "$SERVICE_DIR/port" ]; then S3_PORT=$(cat "$SERVICE_DIR/port"); fi
S3_LOG="$SERVICE_DIR/moto.log"
S3_URL="http://$S3_HOST:$S3_PORT"

s3_answers() {
  # moto's own API answers on every moto server, so this also tells moto apart from other servers.
  curl -fsS -o /dev/null --max-time 2 "$S3_URL/moto-api/" 2>/dev/null
}

up() {
  if pid_alive "$S3_PIDFILE" "$S3_MATCH"; then
    s3_answers || wait_until 30 "moto on $S3_URL" s3_answers
    return 0
  fi
  if port_open "$S3_HOST" "$S3_PORT"; then
    log "port $S3_PORT is taken by a process this stack did not start; set STACK_S3_PORT to another port"
    return 1
  fi
  [ -x "$REPO/.venv-ref/bin/moto_server" ] || bash "$REPO/scripts/setup-venv"
  mkdir -p "$SERVICE_DIR"
  echo "$S3_PORT" >"$SERVICE_DIR/port"
  log "starting moto S3 on $S3_URL (log $S3_LOG)"
  start_daemon "$S3_PIDFILE" "$S3_LOG" "$REPO/.venv-ref/bin/moto_server" -H "$S3_HOST" -p "$S3_PORT"
  if ! wait_until 60 "moto on $S3_URL" s3_answers; then
    tail -n 20 "$S3_LOG" >&2 || true
    stop_daemon "$S3_PIDFILE" "$S3_MATCH"
    return 1
  fi
}

down() {
  if pid_alive "$S3_PIDFILE" "$S3_MATCH"; then log "stopping moto S3 on $S3_URL"; fi
  stop_daemon "$S3_PIDFILE" "$S3_MATCH"
}

status() {
  if pid_alive "$S3_PIDFILE" "$S3_MATCH" && s3_answers; then
    echo "s3 running $S3_URL pid $(cat "$S3_PIDFILE")"
  else
    echo "s3 stopped"
    return 1
  fi
}

env() {
  echo "S3_ENDPOINT=$S3_URL"
  # The S3-only variant, so a later AWS service (DynamoDB) is not sent to moto's S3 port.
  echo "AWS_ENDPOINT_URL_S3=$S3_URL"
  echo "AWS_ACCESS_KEY_ID=delta-ts-test-key"
  echo "AWS_SECRET_ACCESS_KEY=delta-ts-test-secret"
  echo "AWS_REGION=us-east-1"
  echo "S3_FORCE_PATH_STYLE=true"
}
