# 0002 — records a stage cannot read go to the dead-letter topic with their
# original bytes and headers naming stage, error, topic, partition and
# offset; everything else flows on.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "jq not installed"
write_config
start_redis
start_broker 2

start_worker report report --out "$T/out"
start_worker match match
start_worker extract extract

say "junk on cw.articles and cw.claims"
printf '\377\377junk-article\n' | cw produce articles -q || fail "produce junk article"
printf '\377\377junk-claim\n' | cw produce claims -q || fail "produce junk claim"

say "a bad article (invalid UTF-8) among good ones"
gen_articles 5 >"$T/good.jsonl"
printf 'The minister said that exports rose by 12 percent in 2023, a record \377\376 for the port.\n' >"$T/bad.txt"
cw ingest "$T/good.jsonl" "$T/bad.txt" || fail "ingest must go on past a bad article"

drain extract
drain match
drain report

cw tail --exit dlq -q >"$T/dlq.json"
cat "$T/dlq.json"
n=$(wc -l <"$T/dlq.json")
[ "$n" -ge 3 ] || fail "expected 3 dead letters, got $n"
jq -se 'map(select(.headers["cw.stage"] == "extract" and .headers["cw.topic"] == "cw.articles" and (.headers["cw.offset"] | length) > 0 and (.headers["cw.error"] | length) > 0)) | length > 0' "$T/dlq.json" >/dev/null ||
	fail "no dead letter from extract with topic, offset and error"
jq -se 'map(select(.headers["cw.stage"] == "match" and .headers["cw.topic"] == "cw.claims" and .headers["cw.partition"] != null)) | length > 0' "$T/dlq.json" >/dev/null ||
	fail "no dead letter from match"
jq -se 'map(select(.headers["cw.stage"] == "ingest" and (.headers["cw.error"] | test("UTF-8")))) | length > 0' "$T/dlq.json" >/dev/null ||
	fail "no dead letter from ingest naming invalid UTF-8"
jq -se 'map(select(.headers["cw.stage"] == "extract" and .value_len == 14)) | length > 0' "$T/dlq.json" >/dev/null ||
	fail "dead letter does not carry the original bytes"

cw tail --exit verdicts -q >"$T/verdicts.json"
na=$(jq -r '.value.claim.article_id' "$T/verdicts.json" | sort -u | wc -l)
[ "$na" -eq 5 ] || fail "good articles with verdicts: $na, expected 5"
echo "ok: $n dead letters, 5 good articles flowed"
