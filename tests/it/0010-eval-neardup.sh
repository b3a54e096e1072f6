# 0010 — `claimwire eval neardup` replays the sightings rule: two wire
# wordings of the Kislyak claim (Jaccard 0.52) are one cluster, and two
# debate lines that share only "tax plan" (and so an LSH band, 17 SimHash
# bits apart) are kept apart by the MinHash sketch check, and put together
# without it.
. "$(dirname "$0")/lib.sh"

cat >"$T/factchecks.jsonl" <<'JSON'
{"vclaim_id": "1", "vclaim": "Russian Ambassador Sergey Kislyak met with Hillary Clinton advisers before the presidential election, and that it was normal for an ambassador to speak with both campaigns"}
{"vclaim_id": "2", "vclaim": "Russian Ambassador Sergey Kislyak met with Hillary Clinton advisers before the presidential election, and that it wasn't abnormal for the ambassador to speak with both candidates to discuss relations between the two countries"}
{"vclaim_id": "3", "vclaim": "He's talking about my tax plan."}
JSON
mkdir "$T/debates"
printf '1\tTRUMP\tI'"'"'m not going to have something that Ted described in his tax plan.\t0\n' \
	>"$T/debates/one.tsv"
printf '2\tCRUZ\tThe unemployment rate fell to 3.5 percent in September.\t0\n' >>"$T/debates/one.tsv"

out=$("$CLAIMWIRE" eval neardup --collection "$T/factchecks.jsonl" --transcripts "$T/debates" \
	--joins "$T/joins.tsv") || fail "eval neardup: exit $?"
echo "$out"
line() { echo "$out" | grep "^$1 " | cut -d' ' -f2; }
[ "$(line distinct_texts)" = 5 ] || fail "distinct texts"
[ "$(line pairs_j0.5)" = 1 ] || fail "the Kislyak pair is not at Jaccard 0.5-0.6"
[ "$(line lsh_8x3_j0.40_recall_j0.5)" = 1.0000 ] || fail "the Kislyak wordings are not joined"
[ "$(line lsh_8x3_j0.40_false_joins)" = 0 ] || fail "the tax-plan lines are joined"
[ "$(line lsh_8x3_j0.00_false_joins)" = 1 ] || fail "without the sketch check they should be"
[ "$(wc -l <"$T/joins.tsv")" -eq 1 ] || fail "joins file: $(cat "$T/joins.tsv")"
grep -q "^0.522	14	Russian Ambassador" "$T/joins.tsv" || fail "joins file: $(cat "$T/joins.tsv")"

out=$("$CLAIMWIRE" eval neardup --collection "$T/missing.jsonl" 2>&1)
code=$?
[ $code -eq 1 ] || fail "missing collection: exit $code"
echo "$out" | grep -q "missing.jsonl" || fail "missing collection not named: $out"
"$CLAIMWIRE" eval neardup >/dev/null 2>&1
code=$?
[ $code -eq 2 ] || fail "no input: exit $code, expected 2"
echo "ok"
