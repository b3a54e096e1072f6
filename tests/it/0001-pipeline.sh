# 0001 — articles in, one verdict per claim out, nothing missing.
#
# Real redis-server, real embedded broker, the four workers as processes.
# The knowledge base holds a fact-check whose claim is a sentence of one
# article, which must come back CONFIRMED with its rating.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "jq not installed"
write_config
start_redis
start_broker 4

say "knowledge base"
cat >"$T/kb.jsonl" <<'KB'
{"vclaim_id":"it-1","vclaim":"The state's unemployment rate fell to 2.9 percent in March, the lowest ever recorded.","title":"Did unemployment hit a record low?","truth_label":"mostly-true","speaker":"Governor","date":"stated on April 2, 2019 in a press release.","url":"/factchecks/2019/apr/02/it-1/"}
{"vclaim_id":"it-2","vclaim":"Wind turbines cause cancer.","title":"No, wind turbines do not cause cancer","truth_label":"pants-fire","speaker":"Blogger","date":"stated on May 1, 2019 in a blog post.","url":"/factchecks/2019/may/01/it-2/"}
KB
cw kb load "$T/kb.jsonl" || fail "kb load"

say "input"
gen_articles 40 >"$T/articles.jsonl"
cat >>"$T/articles.jsonl" <<'A'
{"id":"planted","outlet":"Capital Tribune","url":"https://tribune.example/jobs","title":"Jobs report","body":"The state's unemployment rate fell to 2.9 percent in March, the lowest ever recorded. Economists expect hiring to slow over the summer months as the tourism season ends."}
A

start_worker report report --out "$T/out"
start_worker match match
start_worker extract extract
cw ingest "$T/articles.jsonl" || fail "ingest"
drain extract
drain match
drain report

say "checks"
cw tail --exit claims -q >"$T/claims.json"
cw tail --exit verdicts -q >"$T/verdicts.json"
nclaims=$(jq -r '.value.article_id + " " + .value.fingerprint' "$T/claims.json" | sort -u | wc -l)
nverdicts=$(jq -r '.value.claim.article_id + " " + .value.claim.fingerprint' "$T/verdicts.json" | sort -u | wc -l)
echo "claims=$nclaims verdicts=$nverdicts"
[ "$nclaims" -ge 41 ] || fail "expected claims from all 41 articles, got $nclaims"
[ "$nclaims" -eq "$nverdicts" ] || fail "claims $nclaims != verdicts $nverdicts"
jq -r '.value.article_id + " " + .value.fingerprint' "$T/claims.json" | sort -u >"$T/ck"
jq -r '.value.claim.article_id + " " + .value.claim.fingerprint' "$T/verdicts.json" | sort -u >"$T/vk"
cmp -s "$T/ck" "$T/vk" || fail "claims without verdicts: $(comm -23 "$T/ck" "$T/vk" | head -3)"
narticles=$(jq -r '.value.article_id' "$T/claims.json" | sort -u | wc -l)
[ "$narticles" -eq 41 ] || fail "articles with claims: $narticles, expected 41"

confirmed=$(jq -r 'select(.value.claim.article_id == "planted" and .value.status == "VERDICT_STATUS_CONFIRMED") | .value.best.fact_check.rating' "$T/verdicts.json" | head -1)
[ "$confirmed" = "mostly-true" ] || fail "planted claim not confirmed with its rating (got '$confirmed')"

[ -s "$T/out/verdicts.jsonl" ] || fail "report wrote no verdicts.jsonl"
nout=$(wc -l <"$T/out/verdicts.jsonl")
[ "$nout" -ge "$nverdicts" ] || fail "verdicts.jsonl has $nout lines, expected $nverdicts"
echo "ok: $nclaims claims, $nverdicts verdicts, planted claim confirmed"
