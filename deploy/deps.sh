#!/bin/sh
# Installs the Debian packages claimwire needs to build and test, when missing.
# As root it runs apt-get; otherwise sudo when available; otherwise it prints
# the exact command to run and fails.
set -e
PKGS="gcc make pkg-config librdkafka-dev libhiredis-dev libprotobuf-c-dev \
protobuf-c-compiler libyaml-dev redis-server libutf8proc-dev libstemmer-dev \
libxxhash-dev libmicrohttpd-dev libsqlite3-dev libjansson-dev libcriterion-dev jq curl \
chromium"
[ -n "$CW_DEPS_EXTRA" ] && PKGS="$PKGS $CW_DEPS_EXTRA"

missing=""
for p in $PKGS; do
	s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$s" in *"ok installed"*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0

echo "claimwire: installing missing packages:$missing" >&2
if [ "$(id -u)" = 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "claimwire: not root and no sudo; run as root:" >&2
	echo "  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
