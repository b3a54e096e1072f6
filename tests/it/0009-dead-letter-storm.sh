# 0009 — many dead letters at once, and dead letters that are themselves too
# big: the report stage, which both writes and reads cw.dlq, neither waits
# on its own consumer group nor sends a dead letter round the topic again.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "jq not installed"
write_config
start_redis
start_broker 1
start_worker report report --out "$T/out" -X worker.max_record_bytes=1024

say "400 unreadable 3 KiB verdicts: 1.2 MB of dead letters from one batch"
awk 'BEGIN { s = sprintf("%3000s", ""); gsub(/ /, "x", s); for (i = 0; i < 400; i++) printf "\377\377%05d%s\n", i, s }' |
	cw produce verdicts -q || fail "produce junk verdicts"
say "one 2 KiB record on cw.dlq, over worker.max_record_bytes"
awk 'BEGIN { s = sprintf("%2048s", ""); gsub(/ /, "y", s); print s }' | cw produce dlq -q ||
	fail "produce big dead letter"
drain report
n=$(count_topic dlq)
echo "records on cw.dlq: $n"
[ "$n" -eq 401 ] || fail "expected 400 dead letters plus the big one, got $n"
big=$(cw tail --exit dlq -q | jq -s 'map(select(.value_len == 2048)) | length')
[ "$big" -eq 1 ] || fail "the big record went round the dead-letter topic: $big copies"
echo ok
