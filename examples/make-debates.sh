#!/bin/sh
# make-debates.sh — turns CLEF CheckThat! debate transcripts (line<TAB>speaker<TAB>
# text<TAB>label) into claimwire article JSON lines, one article per transcript:
# consecutive lines of one speaker become one paragraph "Speaker: text ...",
# paragraphs are separated by a blank line, stage directions (speaker SYSTEM)
# are left out.  The labels are not copied.
#
# Regenerates examples/articles/debates.jsonl from a checkout beside shared/:
#   sh examples/make-debates.sh ../shared/data/checkworthiness/debates > examples/articles/debates.jsonl
set -eu
DIR=${1:-../shared/data/checkworthiness/debates}

# debate file, title, date
emit() {
	awk -F '\t' -v id="clef2020-$1" -v title="$2" -v date="$3" '
	function esc(s) {
		gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); gsub(/\r/, "", s)
		return s
	}
	$2 == "SYSTEM" { next }
	{
		if ($2 != who) {
			if (body != "") body = body "\\n\\n"
			body = body esc($2) ": " esc($3)
			who = $2
		} else {
			body = body " " esc($3)
		}
	}
	END {
		printf "{\"id\":\"%s\",\"outlet\":\"Debate transcript\",\"url\":\"\",\"title\":\"%s\",\"published\":\"%s\",\"body\":\"%s\"}\n", id, esc(title), date, body
	}' "$DIR/$1.tsv"
}

emit 20170120_Trump_inauguration "Donald Trump, inaugural address" 2017-01-20
emit 20170205_Trump_Oreilly "Donald Trump interviewed by Bill O'Reilly (Fox News)" 2017-02-05
