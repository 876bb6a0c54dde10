#!/usr/bin/env bash
# container-test.sh — the docker-compose path on a real container runtime.
#
# No Docker engine runs on the project's machines, but root podman does, and
# no base image can be pulled. So this test:
#   1. builds the static binary with scripts/build-static.sh (the one place
#      holding the Dockerfile build stage's flags) and checks it has no
#      dynamic dependencies;
#   2. builds the image from the repo's Dockerfile with
#      `podman build --format docker --build-context build=DIR`, DIR/out/
#      mocksandbox standing in for the stage named "build" (docker format
#      keeps HEALTHCHECK);
#   3. starts compose.yaml's "mock" service with podman-compose, an example
#      fixture mounted as its volume, on a free host port;
#   4. waits until the image's HEALTHCHECK reports healthy (`podman
#      healthcheck run`: no systemd here to run it on a timer), checks that
#      another container on the compose network reaches http://mock:8080 by
#      service name, then from the host through the published port creates
#      a reseller and a customer with the fixture's token, lists them and
#      deletes them;
#   5. checks the container runs as a non-root user on a read-only root
#      filesystem, the image is under 20 MB, and `podman stop` ends it within
#      2 s (its SIGTERM to the exit conmon records) with exit code 0 and the
#      clean-shutdown log line;
#   6. tears everything down (compose service, network, image, temp files),
#      also on failure or interrupt.
#
# podman reads scripts/containers.conf only (CONTAINERS_CONF); nothing
# machine-wide is changed. scripts/install-container-tools.sh installs the
# tools from Debian.
#
# Exit status: 0 passed, 1 failed, 77 skipped (not root, or a tool missing;
# the SKIP line says which). CI treats a skip as a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

log() { printf '%s container-test: %s\n' "$(date -u +%H:%M:%S)" "$*"; }
step() {
	echo
	log "== step $1: $2"
}
fail() {
	log "FAIL: $*"
	exit 1
}
skip() {
	log "SKIP: $*"
	exit 77
}
indent() { sed -u 's/^/    | /'; }

# ---- can podman run here? --------------------------------------------------
if [ "$(id -u)" -ne 0 ]; then
	skip "needs root (uid is $(id -u)): the test runs root podman with runc and cgroupfs; run it as root, as CI does"
fi
for tool in podman podman-compose runc curl jq readelf python3; do
	command -v "$tool" >/dev/null ||
		skip "$tool is not installed (scripts/install-container-tools.sh installs the tools from Debian)"
done
[ -x /usr/lib/cni/dnsname ] ||
	skip "CNI's dnsname plugin is not installed, so no container finds the mock as http://mock:8080 (scripts/install-container-tools.sh installs it)"

export CONTAINERS_CONF=$root/scripts/containers.conf
fixture_rel=fixtures/examples/two-accounts.json
fixture=$root/$fixture_rel
version=container-test-$$
project=mocksandbox-ct-$$
image=localhost/mocksandbox:ct-$$
work=$(mktemp -d "${TMPDIR:-/tmp}/mocksandbox-ct-$$.XXXXXX")
ctr=

# compose runs podman-compose on the repo's compose.yaml with this run's
# image, port and fixture (compose.yaml's MOCK_* settings).
compose() {
	MOCK_IMAGE=$image MOCK_PORT=$port MOCK_FIXTURE=$fixture \
		timeout 120 podman-compose -p "$project" -f "$root/compose.yaml" "$@" 2>&1 | indent
}

# remove_run PID removes what the run with that PID made: its compose
# project's containers and networks, its image and its work directory.
remove_run() {
	local proj=mocksandbox-ct-$1 img=localhost/mocksandbox:ct-$1 ids net
	rm -rf "${TMPDIR:-/tmp}/mocksandbox-ct-$1".??????
	ids=$(podman ps -aq --filter "label=io.podman.compose.project=$proj")
	# shellcheck disable=SC2086 # one argument per container id
	[ -n "$ids" ] && podman rm -f -t 0 $ids 2>&1 | indent
	for net in $(podman network ls -q --filter "label=io.podman.compose.project=$proj"); do
		podman network rm -f "$net" 2>&1 | indent
	done
	podman image exists "$img" && podman rmi -f "$img" 2>&1 | indent
	return 0
}

# A run killed outright (SIGKILL, a lost machine) could not tear down; its
# leftovers carry its PID, and are removed once that PID is gone.
sweep_stale() {
	local name pid dir
	for name in $({
		podman ps -a --format '{{index .Labels "io.podman.compose.project"}}'
		podman network ls --format '{{.Name}}' | sed -n 's/_default$//p'
		podman images --format '{{.Repository}}:{{.Tag}}' | sed -n 's|^localhost/mocksandbox:ct-|mocksandbox-ct-|p'
		for dir in "${TMPDIR:-/tmp}"/mocksandbox-ct-*.??????; do
			[ -d "$dir" ] && basename "${dir%.*}"
		done
	} | sort -u); do
		case $name in
		mocksandbox-ct-[0-9]*) pid=${name#mocksandbox-ct-} ;;
		*) continue ;;
		esac
		kill -0 "$pid" 2>/dev/null && continue
		log "removing leftovers of an earlier run that did not tear down ($name)"
		remove_run "$pid"
	done
}

cleanup() {
	local status=$?
	set +e
	trap - EXIT INT TERM
	if [ "$status" -ne 0 ] && [ -n "$ctr" ]; then
		log "the mock's log (last 40 lines):"
		podman logs "$ctr" 2>&1 | tail -n 40 | indent
	fi
	step 6 "tear down: podman-compose down, the project's network, the image, $work"
	if [ -n "${port:-}" ]; then
		compose down mock
	fi
	remove_run $$
	local left=
	[ -n "$(podman ps -aq --filter "label=io.podman.compose.project=$project")" ] && left="$left containers"
	[ -n "$(podman network ls -q --filter "label=io.podman.compose.project=$project")" ] && left="$left networks"
	podman image exists "$image" && left="$left image"
	[ -e "$work" ] && left="$left $work"
	if [ -n "$left" ]; then
		log "teardown left:$left"
		[ "$status" -eq 0 ] && status=1
	else
		log "nothing left behind"
	fi
	echo
	if [ "$status" -eq 0 ]; then
		log "PASS"
	else
		log "FAIL (exit $status)"
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

podman info >/dev/null 2>&1 || {
	podman info 2>&1 | tail -n 20 | indent
	fail "podman info fails as root with $CONTAINERS_CONF"
}
sweep_stale
log "$(podman --version), podman-compose $(podman-compose version 2>/dev/null | awk '/^podman-compose/ {print $NF}'), $(runc --version | head -n 1)"
log "CONTAINERS_CONF=$CONTAINERS_CONF ($(podman info --format 'runtime {{.Host.OCIRuntime.Name}}, cgroup manager {{.Host.CgroupManager}}, cgroup {{.Host.CgroupsVersion}}, storage {{.Store.GraphDriverName}}, network {{.Host.NetworkBackend}}'))"

# ---- 1 ---------------------------------------------------------------------
step 1 "static binary: VERSION=$version scripts/build-static.sh"
bin=$work/build/out/mocksandbox
mkdir -p "$(dirname "$bin")"
VERSION=$version timeout 300 scripts/build-static.sh "$bin" 2>&1 | indent ||
	fail "scripts/build-static.sh failed (its output is above)"
[ -x "$bin" ] || fail "scripts/build-static.sh made no $bin"
if readelf -lW "$bin" | grep -q 'INTERP'; then
	fail "$bin has a PT_INTERP program header: it needs a dynamic loader"
fi
needed=$(readelf -dW "$bin" | grep '(NEEDED)' || true)
[ -z "$needed" ] || fail "$bin needs shared libraries: $needed"
log "$bin: $(stat -c %s "$bin") bytes; no PT_INTERP, no DT_NEEDED (ldd: $(ldd "$bin" 2>&1 | head -n 1 | sed 's/^[[:space:]]*//'))"

# ---- 2 ---------------------------------------------------------------------
step 2 "image: podman build --format docker --build-context build=$work/build -f Dockerfile"
timeout 300 podman build --format docker --build-context "build=$work/build" \
	-f Dockerfile -t "$image" . 2>&1 | indent ||
	fail "podman build failed (its output is above)"
podman image exists "$image" || fail "podman build made no $image"
healthcheck=$(podman image inspect --format '{{json .HealthCheck}}' "$image")
case $healthcheck in
*'"Test":["CMD","/mocksandbox","healthcheck"]'*) ;;
*) fail "image HEALTHCHECK is $healthcheck, want CMD [\"/mocksandbox\",\"healthcheck\"]" ;;
esac
log "$image: user $(podman image inspect --format '{{.User}}' "$image"), HEALTHCHECK $healthcheck"

# ---- 3 ---------------------------------------------------------------------
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
step 3 "podman-compose -p $project up -d --no-build mock (compose.yaml; $fixture_rel on a volume; host port $port)"
compose up -d --no-build mock || fail "podman-compose up failed (its output is above)"
ctr=$(podman ps -a --filter "label=io.podman.compose.project=$project" \
	--filter "label=com.docker.compose.service=mock" --format '{{.Names}}')
[ -n "$ctr" ] || fail "podman-compose started no mock container"
[ "$(podman inspect --format '{{.State.Running}}' "$ctr")" = true ] ||
	fail "$ctr is not running: $(podman inspect --format '{{.State.Status}} (exit {{.State.ExitCode}})' "$ctr")"
log "$ctr running on $(podman inspect --format '{{.OCIRuntime}}' "$ctr"); port $(podman port "$ctr" 8080/tcp | head -n 1); mounts:$(podman inspect --format '{{range .Mounts}} {{.Source}} -> {{.Destination}} ({{if .RW}}rw{{else}}ro{{end}}){{end}}' "$ctr")"

# ---- 4 ---------------------------------------------------------------------
step 4 "HEALTHCHECK; http://mock:8080 from the compose network; Partner Center calls from the host at http://127.0.0.1:$port"
runs=0
deadline=$((SECONDS + 30))
until podman healthcheck run "$ctr" >/dev/null 2>&1; do
	runs=$((runs + 1))
	[ "$(podman inspect --format '{{.State.Running}}' "$ctr")" = true ] || fail "$ctr exited while starting"
	[ "$SECONDS" -lt "$deadline" ] || fail "$ctr not healthy within 30 s ($runs runs of podman healthcheck run)"
	sleep 0.5
done
health=$(podman inspect --format '{{.State.Health.Status}}' "$ctr")
[ "$health" = healthy ] || fail "podman healthcheck run passed but the health status is $health"
log "health status: $health ($((runs + 1)) runs of podman healthcheck run; the systemd errors above only say no timer runs it by itself)"

# Another service's view: a one-off container on the compose network (the
# image itself, as scratch has no curl) asks http://mock:8080/_mock/ready.
network=$(podman inspect --format '{{range $name, $_ := .NetworkSettings.Networks}}{{$name}} {{end}}' "$ctr" | awk '{print $1}')
timeout 60 podman run --rm --name "${project}_client" --label "io.podman.compose.project=$project" \
	--network "$network" --read-only --no-healthcheck "$image" healthcheck --addr mock:8080 2>&1 | indent ||
	fail "a container on $network cannot reach http://mock:8080"
log "a container on network $network reached http://mock:8080 by service name"

# The fixture's sandbox account: its App+User token and a reseller it seeds.
token=$(jq -r '[.accounts[] | select(.kind == "sandbox") | .tokens[] | select(.appOnly != true)][0].token' "$fixture")
seeded=$(jq -r '[.accounts[] | select(.kind == "sandbox")][0].resellers[0].id' "$fixture")
if [ -z "$token" ] || [ "$token" = null ]; then
	fail "no App+User token of a sandbox account in $fixture_rel"
fi
log "fixture token: $token (its account seeds reseller $seeded)"

base=http://127.0.0.1:$port
guid() { cat /proc/sys/kernel/random/uuid; }
# call METHOD PATH [BODY] sends one Partner Center request with the headers a
# client sends, leaving the status in $code and the body in $work/body.
call() {
	method=$1 path=$2
	local args=(-sS --max-time 10 -X "$method" -o "$work/body" -D "$work/headers" -w '%{http_code}'
		-H "Authorization: Bearer $token" -H "MS-RequestId: $(guid)" -H "MS-CorrelationId: $(guid)"
		-H 'Accept: application/json')
	if [ $# -ge 3 ]; then
		args+=(-H 'Content-Type: application/json' --data-binary "$3")
	fi
	code=$(curl "${args[@]}" "$base$path") || fail "$method $path: curl failed"
}
expect() {
	[ "$code" = "$1" ] || fail "$method $path: HTTP $code, want $1: $(head -c 2000 "$work/body")"
}

suffix=$(guid | tr -d - | cut -c1-12)
reseller_body=$(jq -n --arg p "ctreseller$suffix" '{
  mpnId: "6363276",
  tenant: {domainPrefix: $p, name: "Container Test Reseller", displayName: "Container Test Reseller",
    adminUserName: "admin", adminFirstName: "Ada", adminLastName: "Lovelace",
    adminAlternateEmail: "ada@example.com", country: "US", culture: "en-US"},
  legalBusinessProfile: {companyName: "Container Test Reseller",
    address: {country: "US", city: "Redmond", addressLine1: "1 Microsoft Way", postalCode: "98052"},
    primaryContact: {firstName: "Ada", lastName: "Lovelace", email: "ada@example.com", phoneNumber: "4255550100"},
    culture: "en-US"},
  organizationProfileLanguage: "en"}')
call POST /v1/sandboxIndirectReseller "$reseller_body"
expect 201
reseller=$(jq -r .accountId "$work/body")
served=$(tr -d '\r' <"$work/headers" | awk -F': ' 'tolower($1) == "x-mocksandbox-version" {print $2}')
[ "$served" = "$version" ] || fail "X-Mocksandbox-Version is '$served', want this run's binary's $version"
log "POST /v1/sandboxIndirectReseller -> 201, reseller $reseller (served by $served)"

customer_body=$(jq -n --arg d "ctcustomer$suffix.onmicrosoft.com" --arg r "$reseller" '{
  attributes: {objectType: "Customer"},
  companyProfile: {attributes: {objectType: "CustomerCompanyProfile"}, domain: $d},
  billingProfile: {attributes: {objectType: "CustomerBillingProfile"}, language: "en", email: "admin@example.com",
    culture: "en-US", companyName: "Container Test Customer",
    defaultAddress: {country: "US", city: "Redmond", state: "WA", addressLine1: "1 Microsoft Way",
      postalCode: "98052", firstName: "Ada", lastName: "Lovelace", phoneNumber: "4255550100"}},
  associatedPartnerId: $r}')
call POST /v1/customers "$customer_body"
expect 201
customer=$(jq -r .id "$work/body")
[ "$(jq -r .associatedPartnerId "$work/body")" = "$reseller" ] || fail "customer's associatedPartnerId is not $reseller: $(cat "$work/body")"
log "POST /v1/customers -> 201, customer $customer of reseller $reseller"

call GET '/v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf'
expect 200
jq -e --arg id "$reseller" 'any(.items[]; .id == $id)' "$work/body" >/dev/null || fail "GET $path lacks $reseller: $(cat "$work/body")"
jq -e --arg id "$seeded" 'any(.items[]; .id == $id)' "$work/body" >/dev/null || fail "GET $path lacks the fixture's reseller $seeded: the fixture volume was not loaded"
log "GET /v1/relationships -> 200, $(jq '.items | length' "$work/body") resellers: the new one and the fixture's $seeded"

filter=$(jq -rn --arg id "$reseller" '{Field: "IndirectReseller", Value: $id, Operator: "starts_with"} | tojson | @uri')
call GET "/v1/customers?filter=$filter"
expect 200
[ "$(jq -c '[.items[].id]' "$work/body")" = "[\"$customer\"]" ] || fail "GET /v1/customers of $reseller: $(cat "$work/body"), want only $customer"
log "GET /v1/customers (IndirectReseller $reseller) -> 200, [$customer]"

call DELETE "/v1/customers/$customer"
expect 204
log "DELETE /v1/customers/$customer -> 204"
call DELETE "/v1/sandboxIndirectReseller/$reseller"
expect 204
log "DELETE /v1/sandboxIndirectReseller/$reseller -> 204"

call GET '/v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf'
expect 200
jq -e --arg id "$reseller" 'any(.items[]; .id == $id) | not' "$work/body" >/dev/null || fail "reseller $reseller still listed after delete"
call GET "/v1/customers?filter=$filter"
expect 200
[ "$(jq '.items | length' "$work/body")" = 0 ] || fail "customers of $reseller still listed after delete: $(cat "$work/body")"
log "after the deletes: neither is listed"

# ---- 5 ---------------------------------------------------------------------
step 5 "non-root user, read-only root filesystem, image size, podman stop"
pid=$(podman inspect --format '{{.State.Pid}}' "$ctr")
uids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$pid/status")
gids=$(awk '/^Gid:/ {print $2, $3, $4, $5}' "/proc/$pid/status")
for id in $uids; do
	[ "$id" -ne 0 ] || fail "the mock (pid $pid) runs with uid 0: Uid $uids"
done
log "process $pid runs as uid $uids, gid $gids (image USER $(podman inspect --format '{{.Config.User}}' "$ctr"))"

[ "$(podman inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$ctr")" = true ] || fail "$ctr has a writable root filesystem (compose read_only: true)"
rootopts=$(awk '$5 == "/" {print $6}' "/proc/$pid/mountinfo" | tail -n 1)
case ,$rootopts, in
*,ro,*) ;;
*) fail "the container's / is mounted '$rootopts', want ro" ;;
esac
log "root filesystem read-only: ReadonlyRootfs=true, / mounted $rootopts"

nofile=$(awk '/^Max open files/ {print $4 ":" $5}' "/proc/$pid/limits")
nproc=$(awk '/^Max processes/ {print $3 ":" $4}' "/proc/$pid/limits")
if [ "$nofile" != 20000:20000 ] || [ "$nproc" != 1024:1024 ]; then
	fail "ulimits nofile=$nofile nproc=$nproc, want scripts/containers.conf's nofile=20000:20000 nproc=1024:1024"
fi
log "ulimits from scripts/containers.conf: nofile=$nofile nproc=$nproc"

size=$(podman image inspect --format '{{.Size}}' "$image")
[ "$size" -lt 20000000 ] || fail "image is $size bytes, want under 20 MB"
log "image size $size bytes (under 20 MB)"

# The mock must be gone within 2 s of podman stop's SIGTERM: that is from
# the stop's start to the exit conmon records (FinishedAt). podman's own
# cleanup afterwards (network, mounts) is timed too, but only logged. The
# 10 s stop timeout is the mock's own grace period: a SIGKILL would show
# as exit code 137.
start=$(date +%s%N)
podman stop -t 10 "$ctr" 2>&1 | indent
returned=$((($(date +%s%N) - start) / 1000000))
finished=$(podman inspect --format '{{.State.FinishedAt.UnixNano}}' "$ctr")
took=$(((finished - start) / 1000000))
exitcode=$(podman inspect --format '{{.State.ExitCode}}' "$ctr")
[ "$took" -lt 2000 ] || fail "the mock exited $took ms after podman stop began, want under 2 s"
[ "$exitcode" = 0 ] || fail "exit code $exitcode after podman stop, want 0"
lastline=$(podman logs "$ctr" 2>&1 | grep 'shutdown complete' | tail -n 1)
case $lastline in
*'"shutdown complete: database closed cleanly"'*) ;;
*) fail "the mock's log lacks the clean-shutdown line" ;;
esac
log "podman stop: the mock exited 0 after $took ms (podman stop returned after $returned ms); it logged $lastline"
