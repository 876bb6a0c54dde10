#!/bin/sh
# install-container-tools.sh — install what scripts/container-test.sh needs
# from Debian's own packages: podman, podman-compose and runc; CNI's dnsname
# plugin, through which containers on a compose network find each other by
# service name (http://mock:8080), as Docker's embedded DNS does; and curl
# and jq, which the test drives the mock with. Idempotent and quiet: it does
# nothing when every package is installed, and otherwise prints one line.
# Needs root (apt-get); elsewhere it says so and exits 0, and the container
# test then skips, saying why.
set -eu

pkgs="podman podman-compose runc golang-github-containernetworking-plugin-dnsname curl jq"

missing=
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-container-tools: not root, cannot install:$missing" >&2
	exit 0
fi

echo "install-container-tools: installing$missing from Debian"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The lock timeout waits out another apt-get rather than failing at once;
# $missing is split on purpose, one argument per package.
# shellcheck disable=SC2086
if ! { apt-get -qq -o DPkg::Lock::Timeout=300 update &&
	DEBIAN_FRONTEND=noninteractive apt-get -qq -y -o DPkg::Lock::Timeout=300 \
		install --no-install-recommends $missing; } >"$log" 2>&1; then
	cat "$log" >&2
	echo "install-container-tools: apt-get failed" >&2
	exit 1
fi
