# 0004 — an input larger than the embedded broker's retention loses nothing.
#
# The broker (librdkafka's mock cluster) keeps about 5 MiB per partition and
# drops older records silently.  First the hazard is shown: with backpressure
# off and no consumer, records of a ~9 MB input on one partition are lost.
# Then the same input runs through the whole pipeline with backpressure on
# (worker.max_lag_bytes), and every article gets its verdicts.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "jq not installed"
N=12000
gen_articles $N >"$T/articles.jsonl"
bytes=$(wc -c <"$T/articles.jsonl")
echo "input: $N articles, $bytes bytes"

say "the hazard: no backpressure, no consumer, one partition"
write_config
start_redis
start_broker 1
CWX_BASE=$CWX
CWX="$CWX -X worker.max_lag_bytes=0"
cw ingest -q "$T/articles.jsonl" || fail "ingest"
kept=$(count_topic articles)
echo "records kept by the broker: $kept of $N"
[ "$kept" -lt $N ] || fail "the broker kept every record: the retention hazard did not show, input too small?"
kill -TERM "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null

say "the pipeline with backpressure, one partition"
rm -f "$T/bootstrap"
CWX=$(echo "$CWX_BASE" | sed 's/-X kafka.bootstrap.servers=[^ ]*//')
start_broker 1
redis-cli -s "$T/redis.sock" flushall >/dev/null
start_worker report report --out "$T/out"
start_worker match match
start_worker extract extract
cw ingest -q "$T/articles.jsonl" || fail "ingest"
drain extract
drain match
drain report
# The verdict topic itself outgrew the broker's retention too (report read
# it in time), so the count comes from report's output, built from Redis.
out="$T/out/verdicts.jsonl"
[ -s "$out" ] || fail "report wrote no $out"
na=$(jq -r '.article_id' "$out" | sort -u | wc -l)
echo "articles with verdicts: $na of $N"
[ "$na" -eq $N ] || fail "lost $((N - na)) articles"
# And no claim of any article is missing: each article has claim_count verdicts.
short=$(jq -s 'group_by(.article_id) | map(select(length != .[0].claim_count)) | length' "$out")
[ "$short" -eq 0 ] || fail "$short articles miss some of their verdicts"
echo "ok: $bytes bytes through one partition, nothing lost"
