# 0005 — a configuration error stops startup and names file, line and key.
. "$(dirname "$0")/lib.sh"

printf 'match:\n  thresholds:\n    confirm: 0.8\n  treshold: 3\n' >"$T/bad.yaml"
out=$("$CLAIMWIRE" match --config "$T/bad.yaml" --check-config 2>&1)
code=$?
echo "$out"
[ $code -eq 3 ] || fail "unknown key: exit $code, expected 3"
echo "$out" | grep -q "$T/bad.yaml:4:" || fail "unknown key: no FILE:LINE: in '$out'"
echo "$out" | grep -q "treshold" || fail "unknown key not named"

printf 'worker:\n  batch_size: lots\n' >"$T/type.yaml"
out=$("$CLAIMWIRE" extract --config "$T/type.yaml" --check-config 2>&1)
code=$?
echo "$out"
[ $code -eq 3 ] || fail "wrong type: exit $code"
echo "$out" | grep -q "$T/type.yaml:2:" || fail "wrong type: no FILE:LINE:"
echo "$out" | grep -q "batch_size" || fail "wrong type: key not named"

printf 'redis:\n  port: 6379\nkafka:\n  linger.ms: 5\n  no.such.property: 1\n' >"$T/kafka.yaml"
out=$("$CLAIMWIRE" extract --config "$T/kafka.yaml" --check-config 2>&1)
code=$?
echo "$out"
[ $code -eq 3 ] || fail "unknown kafka property: exit $code, expected 3"
echo "$out" | grep -q "$T/kafka.yaml:5:" || fail "unknown kafka property: no FILE:LINE:"
echo "$out" | grep -q "no.such.property" || fail "unknown kafka property not named"

out=$("$CLAIMWIRE" report -X match.thresholds.confirm=2 --check-config 2>&1)
code=$?
echo "$out"
[ $code -eq 3 ] || fail "out of range -X: exit $code"

"$CLAIMWIRE" run --config "$CW_TOP/deploy/claimwire.yaml" --check-config >/dev/null ||
	fail "deploy/claimwire.yaml does not validate"
echo "ok"
