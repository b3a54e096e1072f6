# 0007 — the report worker killed with SIGKILL mid-run and replaced: the
# dashboard and the output files still cover every article and every claim,
# each counted once.  The report keeps its aggregate in Redis, so the new
# worker starts from what the old one stored (a report kept in memory would
# lose the first worker's articles: their offsets are already committed).
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "jq not installed"
command -v curl >/dev/null || skip "curl not installed"
N=200
HALF=120
write_config "  batch_size: 10"
start_redis
start_broker 4
REP="cw:{report}:"

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
		PORT=$((PORT + 1)) # taken: the worker exited
	done
	fail "no free port in 18080..18180"
}

# stored: distinct claims the report has stored so far.
stored() {
	n=$(redis-cli -s "$T/redis.sock" HGET "${REP}totals" claims)
	echo "${n:-0}"
}

gen_articles $N >"$T/all.jsonl"
head -n $HALF "$T/all.jsonl" >"$T/first.jsonl"
tail -n +$((HALF + 1)) "$T/all.jsonl" >"$T/second.jsonl"

start_report report1 --out "$T/out1"
start_worker match match
start_worker extract extract

say "first $HALF articles; the report worker is killed once it stored them"
cw ingest "$T/first.jsonl" || fail "ingest"
prev=-1
i=0
while :; do
	n=$(stored)
	# stable for a second and non-zero: the first part is stored
	[ "$n" -gt 0 ] && [ "$n" -eq "$prev" ] && break
	prev=$n
	i=$((i + 1))
	[ $i -gt 120 ] && fail "report stored nothing ($n claims)"
	sleep 1
done
kill -KILL "$PID_report1"
wait "$PID_report1" 2>/dev/null
before=$(stored)
echo "claims stored before the kill: $before"

say "the rest of the articles, then a new report worker"
cw ingest "$T/second.jsonl" || fail "ingest"
start_report report2 --out "$T/out2"
drain extract
drain match
mid=$(stored)
drain report2

say "checks"
cw tail --exit claims -q | jq -r '.value.article_id + " " + .value.fingerprint' | sort -u >"$T/ck"
nclaims=$(wc -l <"$T/ck")
narticles=$(cut -d' ' -f1 "$T/ck" | sort -u | wc -l)
echo "claims=$nclaims articles=$narticles stored-before-kill=$before"
[ "$narticles" -eq $N ] || fail "claims from $narticles articles, expected $N"
[ "$before" -lt "$nclaims" ] || fail "the first worker stored everything ($before): nothing tested"

# The final files are written from Redis by the second worker at exit.
[ -s "$T/out2/verdicts.jsonl" ] || fail "no verdicts.jsonl"
jq -r '.article_id + " " + .fingerprint' "$T/out2/verdicts.jsonl" | sort -u >"$T/vk"
cmp -s "$T/ck" "$T/vk" || fail "verdicts.jsonl differs from the claims: missing $(comm -23 "$T/ck" "$T/vk" | wc -l), extra $(comm -13 "$T/ck" "$T/vk" | wc -l)"
nlines=$(wc -l <"$T/out2/verdicts.jsonl")
[ "$nlines" -eq "$nclaims" ] || fail "verdicts.jsonl has $nlines lines for $nclaims claims"

# Counted once each, although the second worker saw some verdicts again.
total=$(stored)
[ "$total" -eq "$nclaims" ] || fail "report counts $total claims, expected $nclaims"

# The dashboard: a report worker serving the stored aggregate.
start_report report3 --serve --batch --out "$T/out3"
i=0
until grep -q 'dashboard stays up' "$T/report3.log"; do
	i=$((i + 1)); [ $i -gt 600 ] && fail "report3 never finished its batch"
	sleep 0.05
done
curl -fsS "http://127.0.0.1:$PORT/api/articles?limit=1000" >"$T/api.json" || fail "GET /api/articles"
jq -r '.articles[].id' "$T/api.json" | sort -u >"$T/api-ids"
cut -d' ' -f1 "$T/ck" | sort -u >"$T/claim-ids"
cmp -s "$T/claim-ids" "$T/api-ids" || fail "/api/articles lists $(wc -l <"$T/api-ids") articles, expected $N"
[ "$(jq -r '.truncated' "$T/api.json")" = false ] || fail "/api/articles truncated"
napi=$(jq -r '.articles[] | .verdicts[] | .article_id + " " + .fingerprint' "$T/api.json" | sort -u | wc -l)
[ "$napi" -eq "$nclaims" ] || fail "/api/articles has $napi verdicts, expected $nclaims"
kill -TERM "$PID_report3"
wait_exit "$PID_report3" 30
echo "ok: $N articles, $nclaims claims across a SIGKILLed report worker ($before stored before, $mid before the drain)"
