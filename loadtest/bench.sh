#!/usr/bin/env bash
# `make bench`: the same load-runner measurements against
#   (a) Herald embedded,
#   (b) Herald cluster: one gateway (--workers 1) + presence + api on a nats-server started here,
#   (c) the baseline (loadtest/baseline: the leanest honest Node + ws server),
# one server at a time, each started fresh for every measurement and stopped afterwards, then
# a comparison table with the Herald/baseline ratios. JSON of every run: loadtest/results/<time>/.
#
# Sizes (environment; the defaults are the issue's targets — use small ones for a quick run):
#   BENCH_SUBSCRIBERS=5000        fan-out subscribers (max-rate and latency runs)
#   BENCH_PAYLOAD_BYTES=100       event data size
#   BENCH_LATENCY_RATE=10         publishes/s for the latency run
#   BENCH_DURATION=20             seconds of the latency run
#   BENCH_STEP_DURATION=5         seconds per find-max step
#   BENCH_FANOUT_START_RATE=10    find-max start rates
#   BENCH_CHANNELS_START_RATE=100
#   BENCH_STEP_FACTOR=1.5
#   BENCH_IDLE_CONNECTIONS=20000  idle connections (RSS per connection; "held" check)
#   BENCH_IDLE_HOLD=15            seconds the idle connections are held
#   BENCH_CHANNELS=5000           many-channels connections, one channel each
#   BENCH_RUNNER_WORKERS=         runner worker threads (default: min(4, cores))
#   BENCH_SERVERS="embedded cluster baseline"   which servers to run
#   BENCH_MEASUREMENTS="fanout-max fanout-latency idle many-channels-max"
#   BENCH_SKIP_BUILD=1            use dist/ as it is (no npm run build)
#   BENCH_TRACES_SAMPLER_ARG=     Herald with tracing on at this sampling ratio (0.01, 1): an OTLP
#                                 sink (loadtest/runner/src/otlp-sink.ts) takes the spans; unset: tracing off
# Quick run: BENCH_SUBSCRIBERS=300 BENCH_CHANNELS=300 BENCH_IDLE_CONNECTIONS=500 \
#            BENCH_DURATION=3 BENCH_STEP_DURATION=2 BENCH_IDLE_HOLD=2 make bench
set -euo pipefail
cd "$(dirname "$0")/.."

export BENCH_SUBSCRIBERS="${BENCH_SUBSCRIBERS:-5000}"
export BENCH_PAYLOAD_BYTES="${BENCH_PAYLOAD_BYTES:-100}"
export BENCH_LATENCY_RATE="${BENCH_LATENCY_RATE:-10}"
export BENCH_DURATION="${BENCH_DURATION:-20}"
export BENCH_STEP_DURATION="${BENCH_STEP_DURATION:-5}"
export BENCH_FANOUT_START_RATE="${BENCH_FANOUT_START_RATE:-10}"
export BENCH_CHANNELS_START_RATE="${BENCH_CHANNELS_START_RATE:-100}"
export BENCH_STEP_FACTOR="${BENCH_STEP_FACTOR:-1.5}"
export BENCH_IDLE_CONNECTIONS="${BENCH_IDLE_CONNECTIONS:-20000}"
export BENCH_IDLE_HOLD="${BENCH_IDLE_HOLD:-15}"
export BENCH_CHANNELS="${BENCH_CHANNELS:-5000}"
SERVERS="${BENCH_SERVERS:-embedded cluster baseline}"
MEASUREMENTS="${BENCH_MEASUREMENTS:-fanout-max fanout-latency idle many-channels-max}"

# Every connection is a file descriptor in the runner and one in the server, on top of the
# few dozen each process holds itself (embedded Herald: 21 at start).
ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
need_fds=$(( BENCH_IDLE_CONNECTIONS > BENCH_SUBSCRIBERS ? BENCH_IDLE_CONNECTIONS : BENCH_SUBSCRIBERS ))
need_fds=$(( (need_fds > BENCH_CHANNELS ? need_fds : BENCH_CHANNELS) + 50 ))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need_fds" ]; then
  echo "bench: WARNING: open-files limit is $(ulimit -n) (hard $(ulimit -Hn)), ${need_fds} needed;" \
       "the largest runs will fail to connect. Raise the hard limit (e.g. /etc/security/limits.conf, docker --ulimit nofile=1048576)." >&2
fi

bash scripts/ensure-deps.sh node nats
[ -n "${BENCH_SKIP_BUILD:-}" ] || npm run --silent build   # BENCH_SKIP_BUILD=1: use dist/ as it is

NATS_SERVER="$PWD/.tools/bin/nats-server"   # the pinned release ensure-deps built
[ -x "$NATS_SERVER" ] || NATS_SERVER="$(command -v nats-server || true)"
for candidate in /usr/sbin/nats-server /usr/bin/nats-server /usr/local/bin/nats-server; do
  [ -n "$NATS_SERVER" ] && break
  [ -x "$candidate" ] && NATS_SERVER="$candidate"
done

RESULTS="loadtest/results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RESULTS"
MAIN=dist/services/herald/src/main.js
BASELINE=dist/loadtest/baseline/src/main.js
RUNNER=(node --enable-source-maps dist/loadtest/runner/src/main.js)
[ -n "${BENCH_RUNNER_WORKERS:-}" ] && RUNNER+=(--workers "$BENCH_RUNNER_WORKERS")

free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

STARTED=()          # pids this script started, stopped in reverse order
TEMP_DIRS=()        # nats-server JetStream stores, removed once their server is stopped
start_bg() {        # start_bg NAME LOGFILE CMD... → sets LAST_PID
  local name="$1" log="$2"; shift 2
  "$@" >"$log" 2>&1 &
  LAST_PID=$!
  STARTED+=("$LAST_PID")
  echo "bench:   started $name (pid $LAST_PID)"
}
stop_all() {
  local i pid
  for (( i=${#STARTED[@]}-1; i>=0; i-- )); do
    pid="${STARTED[$i]}"
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  STARTED=()
  for i in "${TEMP_DIRS[@]}"; do rm -rf "$i"; done
  TEMP_DIRS=()
}
trap stop_all EXIT INT TERM

# Tracing on: every Herald process of the run exports to one sink, sampled at the given ratio.
if [ -n "${BENCH_TRACES_SAMPLER_ARG:-}" ]; then
  sink_port=$(free_port)
  node dist/loadtest/runner/src/otlp-sink.js "$sink_port" >"$RESULTS/otlp-sink.log" 2>&1 &
  SINK_PID=$!
  trap 'stop_all; kill -TERM $SINK_PID 2>/dev/null || true' EXIT INT TERM
  export OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$sink_port" OTEL_TRACES_SAMPLER=parentbased_traceidratio
  export OTEL_TRACES_SAMPLER_ARG="$BENCH_TRACES_SAMPLER_ARG"
  echo "bench: tracing on, sampling ratio $OTEL_TRACES_SAMPLER_ARG, spans to the sink on port $sink_port"
fi

wait_ready() {      # wait_ready PORT PID
  for _ in $(seq 1 300); do
    kill -0 "$2" 2>/dev/null || { echo "bench: server pid $2 exited while starting" >&2; return 1; }
    curl -fsS -o /dev/null "http://127.0.0.1:$1/readyz" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench: port $1 not ready after 30 s" >&2
  return 1
}

# start_server KIND LOGPREFIX → sets TARGET, API, SERVER_PIDS
start_server() {
  local kind="$1" logs="$2"
  export HERALD_LOG_LEVEL=warn HERALD_HOST=127.0.0.1
  case "$kind" in
    embedded)
      local port; port=$(free_port)
      start_bg herald-embedded "$logs-herald.log" node "$MAIN" --port "$port" --host 127.0.0.1
      local pid=$LAST_PID
      wait_ready "$port" "$pid" || return 1
      TARGET="127.0.0.1:$port"; API="http://127.0.0.1:$port"; SERVER_PIDS="$pid" ;;
    cluster)
      local nats_port gw_port presence_port api_port store
      nats_port=$(free_port); store=$(mktemp -d); TEMP_DIRS+=("$store")
      start_bg nats-server "$logs-nats.log" "$NATS_SERVER" -a 127.0.0.1 -p "$nats_port" -js -sd "$store"
      local nats_pid=$LAST_PID
      for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$nats_port") 2>/dev/null && break; sleep 0.1; done
      local nats="nats://127.0.0.1:$nats_port"
      presence_port=$(free_port)
      start_bg herald-presence "$logs-presence.log" node "$MAIN" presence --nats "$nats" --port "$presence_port"
      local presence_pid=$LAST_PID
      wait_ready "$presence_port" "$presence_pid" || return 1
      api_port=$(free_port)
      start_bg herald-api "$logs-api.log" node "$MAIN" api --nats "$nats" --port "$api_port"
      local api_pid=$LAST_PID
      wait_ready "$api_port" "$api_pid" || return 1
      gw_port=$(free_port)
      start_bg herald-gateway "$logs-gateway.log" node "$MAIN" gateway --nats "$nats" --port "$gw_port" --workers 1
      local gw_pid=$LAST_PID
      wait_ready "$gw_port" "$gw_pid" || return 1
      # The whole cluster counts: its RSS and CPU are what the same load costs in this mode.
      TARGET="127.0.0.1:$gw_port"; API="http://127.0.0.1:$api_port"; SERVER_PIDS="$gw_pid,$api_pid,$presence_pid,$nats_pid" ;;
    baseline)
      local port; port=$(free_port)
      start_bg baseline "$logs-baseline.log" node "$BASELINE" --port "$port" --host 127.0.0.1
      local pid=$LAST_PID
      wait_ready "$port" "$pid" || return 1
      TARGET="127.0.0.1:$port"; API="http://127.0.0.1:$port"; SERVER_PIDS="$pid" ;;
  esac
  unset HERALD_LOG_LEVEL HERALD_HOST
}

measure() {         # measure SERVER MEASUREMENT
  local server="$1" what="$2" out="$RESULTS/$1-$2"
  local args=()
  case "$what" in
    fanout-max)
      args=(fanout --connections "$BENCH_SUBSCRIBERS" --payload-bytes "$BENCH_PAYLOAD_BYTES" --find-max
            --start-rate "$BENCH_FANOUT_START_RATE" --step-factor "$BENCH_STEP_FACTOR" --step-duration "$BENCH_STEP_DURATION") ;;
    fanout-latency)
      args=(fanout --connections "$BENCH_SUBSCRIBERS" --payload-bytes "$BENCH_PAYLOAD_BYTES"
            --rate "$BENCH_LATENCY_RATE" --duration "$BENCH_DURATION") ;;
    idle)
      args=(idle --connections "$BENCH_IDLE_CONNECTIONS" --duration "$BENCH_IDLE_HOLD") ;;
    many-channels-max)
      args=(many-channels --connections "$BENCH_CHANNELS" --payload-bytes "$BENCH_PAYLOAD_BYTES" --find-max
            --start-rate "$BENCH_CHANNELS_START_RATE" --step-factor "$BENCH_STEP_FACTOR" --step-duration "$BENCH_STEP_DURATION") ;;
    *) echo "bench: unknown measurement $what" >&2; return 1 ;;
  esac
  echo "bench: == $server / $what"
  start_server "$server" "$out" || { echo "bench: $server did not start; see $out-*.log" >&2; stop_all; return 0; }
  "${RUNNER[@]}" "${args[@]}" --target "$TARGET" --api "$API" --server-pid "$SERVER_PIDS" --json "$out.json" 2>&1 | tee "$out.txt" \
    || echo "bench: the runner failed for $server / $what (see $out.txt)" >&2
  stop_all
}

echo "bench: results in $RESULTS"
for server in $SERVERS; do
  for what in $MEASUREMENTS; do measure "$server" "$what"; done
done

echo
node dist/loadtest/runner/src/bench-compare.js "$RESULTS"
