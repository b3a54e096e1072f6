# tests/it/lib.sh — what every integration test shares: a private
# redis-server on a unix socket, the embedded broker, workers started and
# stopped, and cleanup on any exit.  Sourced by tests/it/NNNN-*.sh.
#
# Everything lives in $T (a fresh temporary folder); $CW runs claimwire with
# the test's configuration ($T/claimwire.yaml plus -X overrides in $CWX).

set -u
: "${CLAIMWIRE:?run through tests/run or make test}"
T=$(mktemp -d /tmp/claimwire-it.XXXXXX)
PIDS=""
CWX=""

cleanup() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.2
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "skipped: $*"
	exit 77
}

say() {
	echo "--- $*"
}

# cw ARGS…: claimwire with the test's config and overrides.
cw() {
	sub=$1
	shift
	# shellcheck disable=SC2086
	"$CLAIMWIRE" "$sub" --config "$T/claimwire.yaml" $CWX "$@"
}

# start_redis: a private redis-server on $T/redis.sock.
start_redis() {
	command -v redis-server >/dev/null || skip "redis-server not installed"
	redis-server --port 0 --unixsocket "$T/redis.sock" --unixsocketperm 700 \
		--save '' --appendonly no --dir "$T" >"$T/redis.log" 2>&1 &
	REDIS_PID=$!
	PIDS="$PIDS $REDIS_PID"
	i=0
	until redis-cli -s "$T/redis.sock" ping >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 500 ] && fail "redis-server did not start"
		sleep 0.02
	done
	CWX="$CWX -X redis.socket=$T/redis.sock"
}

# start_broker [PARTITIONS]: the embedded broker; sets BOOTSTRAP.
start_broker() {
	parts=${1:-4}
	"$CLAIMWIRE" broker --partitions "$parts" --bootstrap-file "$T/bootstrap" -q \
		>/dev/null 2>"$T/broker.log" &
	BROKER_PID=$!
	PIDS="$PIDS $BROKER_PID"
	i=0
	until [ -s "$T/bootstrap" ]; do
		i=$((i + 1))
		[ $i -gt 500 ] && fail "broker did not start"
		sleep 0.02
	done
	BOOTSTRAP=$(cat "$T/bootstrap")
	CWX="$CWX -X kafka.bootstrap.servers=$BOOTSTRAP"
}

# write_config [EXTRA YAML]: the test's configuration file.
write_config() {
	cat >"$T/claimwire.yaml" <<YAML
kafka:
  session.timeout.ms: 6000
  heartbeat.interval.ms: 500
log:
  level: info
report:
  http_port: 0
worker:
  idle_ms: 1000
  max_lag_bytes: 1048576
${1:-}
YAML
}

# start_worker NAME STAGE [ARGS…]: a worker in the background, logging to
# $T/NAME.log; its pid in the variable PID_NAME.
start_worker() {
	name=$1
	stage=$2
	shift 2
	# shellcheck disable=SC2086
	"$CLAIMWIRE" "$stage" --config "$T/claimwire.yaml" $CWX "$@" \
		>"$T/$name.out" 2>"$T/$name.log" &
	eval "PID_$name=$!"
	PIDS="$PIDS $!"
}

# wait_exit PID TIMEOUT_S: waits for a background process; fails on a
# non-zero exit or a timeout.
wait_exit() {
	pid=$1
	limit=$((${2:-120} * 10))
	i=0
	while kill -0 "$pid" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt $limit ] && fail "process $pid still running after ${2:-120}s"
		sleep 0.1
	done
	wait "$pid"
	code=$?
	[ $code -eq 0 ] || fail "process $pid exited $code"
}

# drain NAME: tells a worker to exit once its input is consumed, waits.
drain() {
	eval "pid=\$PID_$1"
	# A signal before the worker installed its handlers would kill it.
	i=0
	until grep -q 'msg="started"' "$T/$1.log" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 600 ] && fail "$1 never started: $(tail -n 3 "$T/$1.log")"
		sleep 0.05
	done
	kill -USR1 "$pid"
	wait_exit "$pid" 300 || fail "$1 did not drain"
}

# count_topic TOPIC: records in a topic (reads it to the end).
count_topic() {
	cw tail --exit "$1" -q | wc -l
}

# gen_articles N [OUTLETS]: N wire-style articles as JSON lines, each with a
# few check-worthy sentences whose numbers differ from article to article.
gen_articles() {
	awk -v n="$1" -v outlets="${2:-7}" 'BEGIN {
		srand(42)
		for (i = 1; i <= n; i++) {
			o = i % outlets
			b = sprintf("The city council approved a budget of $%d million on Tuesday, %d percent more than last year. ", 100 + i, 3 + i % 17)
			b = b sprintf("Mayor Jane Roe said that unemployment fell to %d.%d percent in %d, the lowest level in %d years. ", 3 + i % 5, i % 10, 1990 + i % 30, 10 + i % 40)
			b = b sprintf("According to the state statistics office, %d,%03d residents moved to the region in %d. ", 10 + i % 90, i % 1000, 2000 + i % 24)
			b = b "Officials declined to comment further on the plan. "
			b = b sprintf("\\n\\nCritics argued that crime rose by %d percent since %d, while police reported %d fewer arrests. ", 5 + i % 30, 2010 + i % 12, 100 + i)
			b = b "The debate is expected to continue next week, when the council meets again to review the proposal in detail and hear from residents who have signed a petition against the measure."
			printf "{\"id\":\"gen-%06d\",\"outlet\":\"Outlet %d\",\"url\":\"https://news.example/%d\",\"title\":\"Council budget vote %d\",\"published\":\"2026-11-%02dT10:00:00Z\",\"body\":\"%s\"}\n", i, o, i, i, 1 + i % 28, b
		}
	}'
}

# jsonl_field FILE EXPR: jq over JSON lines, raw output.
jq_lines() {
	jq -r "$2" "$1"
}
