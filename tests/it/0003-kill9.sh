# 0003 — a worker killed with SIGKILL mid-batch and restarted: every article
# still gets its verdicts (at-least-once: offsets are stored only after the
# outputs are acknowledged).
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "jq not installed"
N=400
write_config "  batch_size: 20"
start_redis
start_broker 4

gen_articles $N >"$T/articles.jsonl"
start_worker report report --out "$T/out"
start_worker match match
cw ingest "$T/articles.jsonl" || fail "ingest"

say "extract, killed after its first outputs"
start_worker extract extract
i=0
until [ "$(count_topic claims)" -gt 0 ]; do
	i=$((i + 1)); [ $i -gt 300 ] && fail "extract produced nothing"
	sleep 0.1
done
kill -KILL "$PID_extract"
say "match, killed too"
i=0
until [ "$(count_topic verdicts)" -gt 0 ]; do
	i=$((i + 1)); [ $i -gt 300 ] && fail "match produced nothing"
	sleep 0.1
done
kill -KILL "$PID_match"
before=$(count_topic claims)
echo "claims before restart: $before"

say "restart both and drain"
start_worker extract2 extract
start_worker match2 match
drain extract2
drain match2
drain report

cw tail --exit verdicts -q >"$T/verdicts.json"
na=$(jq -r '.value.claim.article_id' "$T/verdicts.json" | sort -u | wc -l)
echo "articles with verdicts: $na of $N"
[ "$na" -eq $N ] || fail "lost articles: $na of $N have verdicts"
cw tail --exit claims -q | jq -r '.value.article_id + " " + .value.fingerprint' | sort -u >"$T/ck"
jq -r '.value.claim.article_id + " " + .value.claim.fingerprint' "$T/verdicts.json" | sort -u >"$T/vk"
cmp -s "$T/ck" "$T/vk" || fail "claims without verdicts after restart"
echo "ok: $N articles, $(wc -l <"$T/vk") claims, all with verdicts"
