# 0006 — the knowledge base changes while the pipeline runs: a fact-check
# loaded after the workers started is matched without a restart, and a
# changed rating reaches the next verdict.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "jq not installed"
write_config "match:
  kb_poll_ms: 200"
start_redis
start_broker 2

A="The state's unemployment rate fell to 2.9 percent in March, the lowest ever recorded."
B="The city's crime rate rose by 40 percent between 2015 and 2019."
kbline() { # id claim rating
	printf '{"vclaim_id":"%s","vclaim":"%s","title":"t","truth_label":"%s","speaker":"x","date":"stated on April 2, 2019 in a speech.","url":"/factchecks/2019/apr/02/%s/"}\n' "$1" "$2" "$3" "$1"
}
kbline live-a "$A" false >"$T/kb1.jsonl"
cw kb load "$T/kb1.jsonl" || fail "kb load 1"

start_worker report report --out "$T/out"
start_worker match match
start_worker extract extract

article() { # id body
	printf '{"id":"%s","outlet":"Daily Example","url":"https://daily.example/%s","title":"Report %s","body":"%s Officials will publish the full figures next month."}\n' "$1" "$1" "$1" "$2"
}
article before "$A" | cw ingest - || fail "ingest 1"
i=0
until [ "$(count_topic verdicts)" -ge 1 ]; do
	i=$((i + 1)); [ $i -gt 300 ] && fail "no verdict for the first article"
	sleep 0.1
done

say "rating of A changes, B is added, while match runs"
{ kbline live-a "$A" true; kbline live-b "$B" pants-fire; } >"$T/kb2.jsonl"
cw kb load "$T/kb2.jsonl" || fail "kb load 2"
i=0
until grep -q 'knowledge base updated.*fact_checks=2' "$T/match.log"; do
	i=$((i + 1)); [ $i -gt 200 ] && fail "match did not pick up the new fact-check"
	sleep 0.05
done
article after "$A $B" | cw ingest - || fail "ingest 2"

drain extract
drain match
drain report
cw tail --exit verdicts -q >"$T/v.json"
r() { # article claim-prefix → status rating
	jq -r --arg a "$1" --arg c "$2" 'select(.value.claim.article_id == $a and (.value.claim.text | startswith($c))) | .value.status + " " + .value.best.fact_check.rating' "$T/v.json" | head -1
}
before=$(r before "The state")
afterA=$(r after "The state")
afterB=$(r after "The city")
echo "before: $before / after A: $afterA / after B: $afterB"
[ "$before" = "VERDICT_STATUS_CONFIRMED false" ] || fail "first verdict: '$before'"
[ "$afterA" = "VERDICT_STATUS_CONFIRMED true" ] || fail "changed rating did not reach the next verdict: '$afterA'"
[ "$afterB" = "VERDICT_STATUS_CONFIRMED pants-fire" ] || fail "fact-check added at run time not matched: '$afterB'"
echo ok
