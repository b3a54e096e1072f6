#!/bin/sh
# tests/it/browser.sh — the dashboard as an editor sees it, in headless
# Chromium: verdicts loaded with `claimwire report --from-jsonl` into a
# private Redis (exactly as if consumed), the dashboard started on a free
# port, and each page rendered.  Asserts that pages show the expected claims
# and verdicts, that filters change what is shown, and that a hostile article
# (<script>, <img onerror>, "><) shows as text with nothing injected or run.
# Saves a screenshot to $BUILD/dashboard.png.  Exit 77 when chromium or
# redis-server is missing.
. "$(dirname "$0")/lib.sh"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || skip "chromium not installed (apt-get install chromium)"
start_redis

NOW=$(($(date +%s) * 1000))
OLD=$((NOW - 3 * 86400 * 1000))
cat >"$T/verdicts.jsonl" <<JSONL
{"article_id":"a1","outlet":"Blaze Media","title":"Please verify: Kremlin on Kislyak","url":"https://example.org/kislyak","published":1700000000,"claim_index":0,"claim_count":2,"fingerprint":"00000000000000f1","claim":"Kislyak met with Clinton advisers","sentence":"Dmitry Peskov said that Kislyak met with Clinton advisers.","speaker":"Dmitry Peskov","checkworthiness":0.83,"check_worthy":true,"status":"confirmed","best":{"id":"pf-1","claim":"Kislyak met Clinton advisers during the campaign","rating":"Pants on Fire!","rating_normalized":"false","publisher":"PolitiFact","url":"https://www.politifact.com/factchecks/kislyak","date":"2017-03-02","score":0.91,"method":"retrieval"},"candidates":[],"sightings":{"distinct_outlets":2,"total":2,"first_outlet":"Blaze Media","first_seen_ms":$NOW,"cluster":"00000000000000f1"},"decided_ms":$NOW}
{"article_id":"a1","outlet":"Blaze Media","title":"Please verify: Kremlin on Kislyak","url":"https://example.org/kislyak","published":1700000000,"claim_index":1,"claim_count":2,"fingerprint":"00000000000000f2","claim":"Unemployment fell to 3 percent last year","sentence":"Unemployment fell to 3 percent last year.","speaker":"","checkworthiness":0.71,"check_worthy":true,"status":"unverified","best":null,"candidates":[],"decided_ms":$NOW}
{"article_id":"h1","outlet":"Evil Outlet","title":"<script>document.title='PWNED'</script> \"><img src=x onerror=\"document.title='PWNED'\">","url":"javascript:document.title='PWNED'","published":1700000000,"claim_index":0,"claim_count":1,"fingerprint":"00000000000000f1","claim":"Kislyak met with Clinton advisers \"><img src=x onerror=\"document.body.appendChild(document.createElement('blink')).id='injected'\"><script>document.title='PWNED'</script>","sentence":"x","speaker":"'\"><svg onload=\"document.title='PWNED'\">","checkworthiness":0.9,"check_worthy":true,"status":"suggested","best":{"rating":"False","rating_normalized":"false","publisher":"Snopes\"><b id=injected2>x","url":"javascript:document.title='PWNED'","date":"2020-01-01","score":0.6,"method":"exact"},"candidates":[],"sightings":{"distinct_outlets":2,"cluster":"00000000000000f1"},"decided_ms":$NOW}
{"article_id":"o1","outlet":"Archive Daily","title":"An old story about tariffs","url":"https://archive.example/tariffs","published":1690000000,"claim_index":0,"claim_count":1,"fingerprint":"00000000000000f3","claim":"Tariffs doubled steel output","sentence":"Tariffs doubled steel output.","speaker":"A senator","checkworthiness":0.64,"check_worthy":true,"status":"confirmed","best":{"rating":"Mostly True","rating_normalized":"mostly-true","publisher":"FactCheck.org","url":"https://www.factcheck.org/tariffs","date":"2019-05-01","score":0.88,"method":"retrieval"},"candidates":[],"decided_ms":$OLD}
JSONL

say "loading verdicts"
"$CLAIMWIRE" report $CWX -X report.http_port=0 --from-jsonl "$T/verdicts.jsonl" --out "$T/out" \
	>"$T/load.out" 2>"$T/load.err" || fail "report --from-jsonl failed: $(cat "$T/load.err")"
[ -s "$T/out/report.html" ] || fail "no report.html written"
[ "$(wc -l <"$T/out/verdicts.jsonl")" -eq 4 ] || fail "verdicts.jsonl should hold 4 lines"

say "starting the dashboard"
port=""
for try in 1 2 3 4 5; do
	p=$((20000 + ($$ * 7 + try * 7919) % 40000))
	: >"$T/serve.err"
	"$CLAIMWIRE" report $CWX -X report.http_port=$p -X report.refresh_s=0 \
		--from-jsonl /dev/null --serve >/dev/null 2>"$T/serve.err" &
	SERVE_PID=$!
	PIDS="$PIDS $SERVE_PID"
	i=0
	while [ $i -lt 250 ]; do
		if grep -q 'dashboard listening' "$T/serve.err"; then
			port=$p
			break
		fi
		kill -0 "$SERVE_PID" 2>/dev/null || break
		i=$((i + 1))
		sleep 0.02
	done
	[ -n "$port" ] && break
	kill "$SERVE_PID" 2>/dev/null
done
[ -n "$port" ] || fail "dashboard did not start: $(cat "$T/serve.err")"
BASE="http://127.0.0.1:$port"

# browse URL FILE: the DOM after the page ran (or tried to run) its scripts.
browse() {
	U=$(mktemp -d "$T/chrome.XXXXXX")
	timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$U" --dump-dom "$1" >"$2" 2>"$T/chrome.log" ||
		fail "chromium could not render $1: $(tail -n 3 "$T/chrome.log")"
	[ -s "$2" ] || fail "empty DOM for $1"
}
has() { grep -qF -- "$2" "$1" || fail "$(basename "$1") lacks: $2"; }
hasnt() { ! grep -qF -- "$2" "$1" || fail "$(basename "$1") shows what it must not: $2"; }

say "articles page"
browse "$BASE/" "$T/home.html"
has "$T/home.html" "Please verify: Kremlin on Kislyak"
has "$T/home.html" "Kislyak met with Clinton advisers"
has "$T/home.html" "Dmitry Peskov"
has "$T/home.html" "Pants on Fire!"
has "$T/home.html" 'href="https://www.politifact.com/factchecks/kislyak"'
has "$T/home.html" "Unemployment fell to 3 percent last year"
has "$T/home.html" "An old story about tariffs"

say "the hostile article is text, nothing ran"
has "$T/home.html" "<title>claimwire — Articles</title>"
hasnt "$T/home.html" "PWNED</title>"
has "$T/home.html" "&lt;script&gt;document.title='PWNED'&lt;/script&gt;"
has "$T/home.html" "\"&gt;&lt;img src=x onerror="
has "$T/home.html" "&lt;svg onload="
hasnt "$T/home.html" "<blink"
hasnt "$T/home.html" 'id="injected'
hasnt "$T/home.html" "<img"
hasnt "$T/home.html" "<svg"
hasnt "$T/home.html" "<b id="
hasnt "$T/home.html" 'href="javascript:'
hasnt "$T/home.html" "<script"

say "filters change what is shown"
browse "$BASE/?rating=false" "$T/false.html"
has "$T/false.html" "Kislyak met with Clinton advisers"
hasnt "$T/false.html" "Unemployment fell to 3 percent"
hasnt "$T/false.html" "Tariffs doubled steel output"
browse "$BASE/?outlet=Archive%20Daily" "$T/outlet.html"
has "$T/outlet.html" "Tariffs doubled steel output"
hasnt "$T/outlet.html" "Kislyak met with Clinton advisers"
browse "$BASE/?since=24h" "$T/since.html"
has "$T/since.html" "Kislyak met with Clinton advisers"
hasnt "$T/since.html" "Tariffs doubled steel output"
browse "$BASE/?rating=sideways" "$T/bad.html"
has "$T/bad.html" "400 bad rating"

say "repeated claims, review queue, dead letters, stats"
browse "$BASE/claims/repeated" "$T/repeated.html"
has "$T/repeated.html" "Kislyak met with Clinton advisers"
has "$T/repeated.html" "Blaze Media, Evil Outlet"
hasnt "$T/repeated.html" "Tariffs doubled steel output"
browse "$BASE/review" "$T/review.html"
has "$T/review.html" "Unemployment fell to 3 percent last year"
hasnt "$T/review.html" "Tariffs doubled steel output"
browse "$BASE/dead-letters" "$T/dlq.html"
has "$T/dlq.html" "No dead letters."
browse "$BASE/stats" "$T/stats.html"
has "$T/stats.html" "mostly-true"

say "the static report opens from disk"
browse "file://$T/out/report.html" "$T/static.html"
has "$T/static.html" "Kislyak met with Clinton advisers"
has "$T/static.html" "&lt;script&gt;document.title='PWNED'&lt;/script&gt;"
hasnt "$T/static.html" "<blink"
hasnt "$T/static.html" "PWNED</title>"

say "screenshot"
U=$(mktemp -d "$T/chrome.XXXXXX")
timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$U" --hide-scrollbars --screenshot="$BUILD/dashboard.png" \
	--window-size=1400,1000 "$BASE/" >/dev/null 2>"$T/chrome.log" ||
	fail "screenshot failed: $(tail -n 3 "$T/chrome.log")"
[ -s "$BUILD/dashboard.png" ] || fail "no screenshot"

kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
code=$?
[ $code -eq 0 ] || fail "the dashboard exited $code on SIGTERM"
echo "browser: ok (screenshot in $BUILD/dashboard.png)"
