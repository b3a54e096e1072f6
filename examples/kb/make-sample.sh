#!/bin/sh
# make-sample.sh — builds examples/kb/factchecks.jsonl, the sample knowledge
# base `make run` loads, from the CLEF CheckThat! claim-retrieval data.
# Lines are copied unchanged (PolitiFact lines first, then Snopes, each in
# file order); a line is taken when
#   1. its vclaim_id is a gold fact-check (qrels) of a sentence of the two
#      transcripts in examples/articles/debates.jsonl;
#   2. its vclaim_id is listed in KEEP below: the fact-checks of the claims the
#      sample wire articles (examples/articles/wire-samples.jsonl) repeat;
#   3. it mentions Russia together with Clinton, Hillary, Kremlin, Putin,
#      Kislyak or an ambassador (related to the "Please verify" article);
#   4. or it is every 13th PolitiFact line / every 11th Snopes line: a fixed
#      systematic sample of the rest, the same on every machine.
#
#   sh examples/kb/make-sample.sh ../shared/data/claim-retrieval > examples/kb/factchecks.jsonl
set -eu
DATA=${1:-../shared/data/claim-retrieval}
DEBATES="20170120_Trump_inauguration 20170205_Trump_Oreilly"
KEEP="vclaim-pol-03605 vclaim-pol-04231 vclaim-pol-03929 vclaim-pol-03733"

gold=$(for d in $DEBATES; do
	awk -F '\t' -v d="$d" 'index($1, d "_") == 1 { print $3 }' \
		"$DATA/debates-train.qrels.tsv" "$DATA/debates-dev.qrels.tsv"
done | sort -u | tr '\n' ' ')

pick() { # file, every-nth
	awk -v want="$gold $KEEP" -v nth="$2" '
	BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) keep["\"" w[i] "\""] = 1 }
	{
		id = $0
		sub(/.*"vclaim_id": */, "", id)
		sub(/,.*/, "", id)
		sub(/}$/, "", id)
		low = tolower($0)
		related = low ~ /russia/ && low ~ /clinton|hillary|kremlin|putin|kislyak|ambassador/
		if ((id in keep) || related || NR % nth == 0)
			print
	}' "$1"
}

pick "$DATA/politifact-vclaims.jsonl" 13
pick "$DATA/snopes-vclaims.jsonl" 11
