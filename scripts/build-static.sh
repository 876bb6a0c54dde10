#!/bin/sh
# build-static.sh OUT — build mocksandbox as one fully static binary (SPEC §10).
#
# This is the one place that holds the static-build flags; the Dockerfile's
# build stage and cmd/mocksandbox/static_test.go both call it. go-sqlite3
# needs cgo, so the binary is linked externally against a static libc
# (glibc's libc.a on Debian, musl on Alpine). The tags keep glibc's dynamic
# loaders out: netgo (pure-Go DNS), osusergo (pure-Go user lookup) and
# sqlite_omit_load_extension (no dlopen in SQLite).
#
# Environment: VERSION (default "dev") is stamped into main.version;
# GOFLAGS, GOOS/GOARCH and CC are passed through to go build.
set -eu

if [ "$#" -ne 1 ] || [ -z "$1" ]; then
	echo "usage: VERSION=x.y.z $0 OUT" >&2
	exit 2
fi
out=$1
case $out in
/*) ;;
*) out=$PWD/$out ;;
esac

# Run from the module root whatever the caller's working directory.
cd "$(dirname "$0")/.."

CGO_ENABLED=1 go build -trimpath \
	-tags 'netgo osusergo sqlite_omit_load_extension' \
	-ldflags "-s -w -X main.version=${VERSION:-dev} -linkmode external -extldflags '-static'" \
	-o "$out" ./cmd/mocksandbox
