# 0008 — /metrics is valid Prometheus text and its counters add up:
# articles ingested = articles reported = articles complete, those that
# yield no claim (page furniture only) included; records extracted =
# verdicts reported + match's dead letters + one record per article with no
# claim.  Also: with --batch --serve, one SIGTERM
# during the batch stops the report worker, dashboard included.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || skip "curl not installed"
N=60
write_config "  batch_size: 10"
start_redis
start_broker 4

# start_report NAME [ARGS…]: a report worker with its dashboard on the first
# free port of 18080..18180; sets PORT.
start_report() {
	rname=$1
	shift
	PORT=18080
	while [ $PORT -le 18180 ]; do
		start_worker "$rname" report -X report.http_port=$PORT "$@"
		eval "rpid=\$PID_$rname"
		i=0
		while kill -0 "$rpid" 2>/dev/null; do
			grep -q 'dashboard listening' "$T/$rname.log" 2>/dev/null && return 0
			i=$((i + 1))
			[ $i -gt 300 ] && fail "$rname: no dashboard after 15 s"
			sleep 0.05
		done
		PORT=$((PORT + 1))
	done
	fail "no free port in 18080..18180"
}

# metric NAME [LABELS]: the value of one sample in $T/metrics ("" if absent).
metric() {
	if [ $# -gt 1 ]; then want="$1{$2}"; else want=$1; fi
	WANT=$want awk '$1 == ENVIRON["WANT"] { print $2 }' "$T/metrics"
}

# check_exposition FILE: every sample line is `name{labels} value` and its
# family has HELP and TYPE lines before it.
check_exposition() {
	awk '
	/^# HELP / { help[$3] = 1; next }
	/^# TYPE / {
		if (!help[$3]) { print "TYPE before HELP: " $0; bad = 1 }
		if ($4 !~ /^(counter|gauge|untyped|summary|histogram)$/) { print "bad type: " $0; bad = 1 }
		type[$3] = 1; next
	}
	/^#/ { next }
	/^$/ { print "empty line"; bad = 1; next }
	{
		if ($0 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/) {
			print "bad sample line: " $0; bad = 1; next
		}
		name = $0; sub(/[{ ].*/, "", name)
		if (!type[name]) { print "sample before its TYPE: " $0; bad = 1 }
		samples++
	}
	END { if (samples == 0) { print "no samples"; bad = 1 } exit bad }' "$1"
}

gen_articles $N >"$T/articles.jsonl"
EMPTY=3
for i in $(seq 1 $EMPTY); do
	printf '{"id":"no-claim-%d","outlet":"Live Desk","title":"Watch live %d","body":"WATCH LIVE\\n\\nMore to follow."}\n' "$i" "$i"
done >>"$T/articles.jsonl"
start_worker match match
start_worker extract extract
cw ingest "$T/articles.jsonl" || fail "ingest"
drain extract
drain match

say "report: scraped during its batch and after"
start_report report --batch --serve --out "$T/out"
curl -fsS "http://127.0.0.1:$PORT/metrics" >"$T/metrics" || fail "GET /metrics"
check_exposition "$T/metrics" || fail "/metrics during the batch is not valid exposition text"
i=0
until grep -q 'dashboard stays up' "$T/report.log"; do
	i=$((i + 1)); [ $i -gt 600 ] && fail "report never finished its batch"
	sleep 0.05
done
curl -fsS -D "$T/headers" "http://127.0.0.1:$PORT/metrics" >"$T/metrics" || fail "GET /metrics"
grep -qi '^content-type: text/plain' "$T/headers" || fail "/metrics content type: $(grep -i content-type "$T/headers")"
check_exposition "$T/metrics" || fail "/metrics is not valid exposition text"

ingested=$(metric claimwire_stage_produced_total 'stage="ingest"')
extracted=$(metric claimwire_stage_produced_total 'stage="extract"')
match_dead=$(metric claimwire_stage_dead_letters_total 'stage="match"')
articles=$(metric claimwire_articles_reported_total)
complete=$(metric claimwire_articles_complete)
claims=$(metric claimwire_claims_total)
verdicts=$(awk '$1 ~ /^claimwire_verdicts_total\{/ { n += $2 } END { print n + 0 }' "$T/metrics")
echo "ingested=$ingested articles=$articles complete=$complete extracted=$extracted claims=$claims verdicts=$verdicts match_dead=$match_dead"
[ "$ingested" = "$((N + EMPTY))" ] || fail "ingest produced '$ingested' articles, expected $((N + EMPTY))"
[ "$articles" = "$ingested" ] || fail "articles reported $articles != ingested $ingested"
[ "$complete" = "$articles" ] || fail "articles complete $complete != reported $articles"
[ -n "$extracted" ] && [ "$extracted" -gt 0 ] || fail "no extract counter"
[ "$extracted" -eq $((claims + ${match_dead:-0} + EMPTY)) ] ||
	fail "records extracted $extracted != verdicts $claims + match dead letters ${match_dead:-0} + $EMPTY articles with no claim"
[ "$verdicts" -eq "$claims" ] || fail "verdicts by status add up to $verdicts, not $claims"
kill -TERM "$PID_report"
wait_exit "$PID_report" 20

say "--batch --serve: one SIGTERM during the batch stops everything"
start_report again --batch --serve --out "$T/out-again" -X worker.group_prefix=cw-it-again
i=0
until grep -q 'msg="started"' "$T/again.log" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 600 ] && fail "again never started"
	sleep 0.05
done
kill -TERM "$PID_again"
wait_exit "$PID_again" 20
grep -q 'dashboard stays up' "$T/again.log" && fail "the batch finished before the signal: nothing tested"
echo "ok: /metrics valid; $articles articles, $claims claims add up"
