#!/bin/sh
# The stress driver's tests, one mode per ctest test (see CMakeLists.txt).
# usage: stress_test.sh MODE IPCFUZZ [ARG...]
set -u
mode=$1 cli=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*"
	exit 1
}

# run RC ARGS...: ipcfuzz stress ARGS must exit RC; the report is $tmp/r.json.
run() {
	want=$1
	shift
	"$cli" stress "$@" --json "$tmp/r.json" >"$tmp/out" 2>&1
	rc=$?
	cat "$tmp/out"
	[ "$rc" = "$want" ] || fail "exit $rc, wanted $want: ipcfuzz stress $*"
}

# The mechanisms that ran (not skipped), and one field of one of them.
ran() { jq -r '.results[] | select(.status != "skipped") | .mechanism' "$tmp/r.json"; }
field() { jq -r --arg m "$1" ".results[] | select(.mechanism == \$m) | $2" "$tmp/r.json"; }
expect() { # MECH FIELD VALUE
	v=$(field "$1" "$2")
	[ "$v" = "$3" ] || fail "$1: $2 is $v, wanted $3"
}
some_ran() { [ -n "$(ran)" ] || fail "no mechanism ran"; }

checks="lost duplicated corrupted truncated reordered"

case $mode in
short) # A short clean run: every message sent arrives once.  More producers
	# than consumers (streams share channels) where the mechanism allows.
	p=3
	"$cli" stress "$1" --messages 1 --producers 3 --consumers 2 >"$tmp/out" 2>&1 ||
		{ grep -q 'one producer per channel' "$tmp/out" && p=2; }
	run 0 "$1" --messages 20000 --producers $p --consumers 2 --msg-size 32-256
	[ -z "$(ran)" ] && { echo "skipped: $(field "$1" .reason)"; exit 77; }
	expect "$1" .status pass
	expect "$1" .sent 20000
	# A mechanism that may drop (udp) accounts for every frame either way.
	[ "$(field "$1" .received)" -gt 0 ] || fail "$1: nothing received"
	expect "$1" '.received + .dropped' 20000
	for c in $checks; do expect "$1" ".$c" 0; done
	;;
fire) # Each check fires, exactly once, on a stream broken on purpose.
	case $1 in
	lost) fault=stress-skip ;;
	duplicated) fault=stress-dup ;;
	corrupted) fault=stress-corrupt ;;
	truncated) fault=stress-truncate ;;
	reordered) fault=stress-reorder ;;
	esac
	IPCFUZZ_FAULT=$fault run 1 all --messages 2000 --producers 1 --consumers 1 --msg-size 64-256
	some_ran
	for m in $(ran); do
		if [ "$1" = lost ] && [ "$(field "$m" .may_drop)" = true ]; then
			# A skipped frame is a drop where drops are allowed.
			expect "$m" .status pass
			[ "$(field "$m" .dropped)" -ge 1 ] || fail "$m: the skipped frame not dropped"
			continue
		fi
		expect "$m" .status fail
		for c in $checks; do
			if [ "$c" = "$1" ]; then expect "$m" ".$c" 1; else expect "$m" ".$c" 0; fi
		done
	done
	;;
fault) # A fault in a profile's own path (FAULT CHECK MECH...): CHECK fires,
	# exactly once, on each MECH, and nothing else does.
	fault=$1 check=$2
	shift 2
	for m in "$@"; do
		IPCFUZZ_FAULT=$fault run 1 "$m" --messages 2000 --producers 1 --consumers 1 --msg-size 64-256
		[ -z "$(ran)" ] && { echo "skipped: $(field "$m" .reason)"; exit 77; }
		expect "$m" .status fail
		for c in $checks; do
			if [ "$c" = "$check" ]; then expect "$m" ".$c" 1; else expect "$m" ".$c" 0; fi
		done
	done
	;;
leak) # The leak audit fails a run whose mechanism leaves something behind.
	case $1 in
	msg-no-rmid) target=sysv-msg ;;
	shm-no-unlink) target=posix-shm ;;
	leak-fd) target=pipe ;;
	*) target=all ;;
	esac
	IPCFUZZ_FAULT=$1 run 1 "$target" --messages 2000
	some_ran
	for m in $(ran); do
		expect "$m" .status fail
		field "$m" '.failures[]' | grep -q '^leak:' || fail "$m: no leak reported"
		for c in $checks; do expect "$m" ".$c" 0; done
	done
	;;
kill) # Participants SIGKILLed all along: no violation, and the cost of the
	# kills accounted for as each kind of mechanism allows (a killed
	# producer leaves at most one batch, 16 frames, in doubt).  [MECH...]: only
	# those (the guest runs the ones the host lacks), else all.
	# Mechanisms with one producer per channel (tcp, pty) skip the first
	# round (more producers than consumers) and get a round of their own.
	for t in ${*:-all tcp pty}; do
	p=3
	case $t in tcp | pty) p=2 ;; esac
	run 0 "$t" --seconds 2 --kill-every 10 --producers $p --consumers 2 --msg-size 32-1024
	some_ran
	for m in $(ran); do
		expect "$m" .status pass
		for c in $checks; do expect "$m" ".$c" 0; done
		jq -e --arg m "$m" '.results[] | select(.mechanism == $m) |
			(.per_producer | map(.kills) | add) as $pk |
			(.per_consumer | map(.kills) | add) as $ck |
			(.per_consumer | map(.received) | add) as $cr |
			.kills > 10 and .kills == $pk + $ck and
			.sent == .received + .dropped + .lost_to_kill + .in_doubt - .in_doubt_received and
			.in_doubt <= 16 * $pk and .in_doubt_received <= .in_doubt and
			($cr - .received | fabs) <= $ck and
			.received > 0' "$tmp/r.json" >/dev/null ||
			fail "$m: accounting does not add up"
	done
	done
	;;
threads) # Threads of one process (what the tsan preset checks).
	run 0 all --threads --seconds 1 --producers 3 --consumers 3 --msg-size 32-512
	some_ran
	for m in $(ran); do
		expect "$m" .status pass
		expect "$m" .mode threads
		[ "$(field "$m" .sent)" = "$(field "$m" '.received + .dropped')" ] || fail "$m: sent != received"
		[ "$(field "$m" .received)" -gt 1000 ] || fail "$m: too few messages"
	done
	;;
uring) # --io-uring: the same verified traffic through one ring per
	# participant, processes (with kills) and threads; mechanisms without an
	# io_uring use path are skipped with the reason; a ring that loses a byte
	# is caught by the frames' checks.
	run 0 all --io-uring --messages 20000 --producers 3 --consumers 2 --msg-size 32-256
	some_ran
	for m in $(ran); do
		expect "$m" .status pass
		expect "$m" .mode processes+io_uring
		expect "$m" '.received + .dropped' 20000
		for c in $checks; do expect "$m" ".$c" 0; done
	done
	# ... or, for a mechanism this kernel lacks, what `ipcfuzz list` says.
	"$cli" list --json >"$tmp/list.json"
	jq -e --slurpfile l "$tmp/list.json" '[$l[0][] | .reason | strings] as $probe |
		[.results[] | select(.status == "skipped") | .reason] |
		all(. == "no io_uring use path" or test("io_uring|stress profile|one producer per channel") or
		    (. as $r | $probe | index($r)))' "$tmp/r.json" \
		>/dev/null || fail "a skip without its reason"
	run 0 all --io-uring --threads --seconds 1
	for m in $(ran); do expect "$m" .mode threads+io_uring; done
	run 0 all --io-uring --seconds 1 --kill-every 20
	for m in $(ran); do for c in $checks; do expect "$m" ".$c" 0; done; done
	IPCFUZZ_FAULT=uring-drop-byte run 1 pipe --io-uring --messages 2000 --producers 1 --consumers 1
	expect pipe .status fail
	;;
hang) # A channel that never delivers ends the run with a clear failure.
	start=$(date +%s)
	IPCFUZZ_FAULT=hang timeout 60 "$cli" stress pipe --seconds 1 >"$tmp/out" 2>&1
	rc=$?
	cat "$tmp/out"
	[ "$rc" = 1 ] || fail "exit $rc, wanted 1"
	grep -q '^stalled: ' "$tmp/out" || fail "no stall reported"
	[ $(($(date +%s) - start)) -lt 30 ] || fail "took too long to give up"
	;;
args) # Bad arguments: exit 2 and say why.
	for a in "" "nosuch" "pipe --producers 0" "pipe --consumers 65" "pipe --seconds 0" \
		"pipe --seconds 1 --messages 5" "pipe --msg-size 31" "pipe --msg-size 100-50" \
		"pipe --msg-size 8192" "pipe --threads --kill-every 10" "pipe --kill-every x" \
		"pipe --frobnicate" "pipe sysv-msg" "pipe --json /nonexistent/dir/r.json"; do
		# shellcheck disable=SC2086
		"$cli" stress $a >"$tmp/out" 2>&1
		rc=$?
		[ "$rc" = 2 ] || fail "'stress $a' exited $rc, wanted 2"
		grep -q '^ipcfuzz: stress' "$tmp/out" || fail "'stress $a' did not say why"
	done
	"$cli" stress --help | grep -q 'kill-every' || fail "--help"
	;;
robust) # Runs SIGKILLed at random moments leave no process behind, and once
	# the next run has started, no object either.
	killer=$1
	before=$(ls /dev/shm | grep -c '^ipcfuzz\.o')
	"$killer" 30 50-1200 "$tmp/ns.pids" -- "$cli" stress all --seconds 0.3 --kill-every 20 ||
		fail "namespaced runs"
	export IPCFUZZ_SANDBOX=prefix # names and keys in the host's namespace
	"$killer" 30 50-1200 "$tmp/p1.pids" -- "$cli" stress all --seconds 0.3 --kill-every 20 ||
		fail "prefixed runs"
	# One more, killed for sure while its POSIX shm object exists.
	"$killer" 1 1000-1001 "$tmp/p2.pids" -- "$cli" stress posix-shm --seconds 5 ||
		fail "prefixed run"
	# What the prefixed runs left: /dev/shm names and SysV keys with their pid.
	leftovers() {
		n=0
		keys=$(ipcs -a | awk '$1 ~ /^0x/ {print $1}')
		for pid in $(cat "$tmp/p1.pids" "$tmp/p2.pids"); do
			n=$((n + $(ls /dev/shm | grep -Ec "^(sem\.)?ipcfuzz\.$pid\.")))
			base=$((0x1e000000 | ((pid & 0xfffff) << 4)))
			for k in $keys; do
				[ $((k)) -ge $base ] && [ $((k)) -lt $((base + 16)) ] && n=$((n + 1))
			done
		done
		echo $n
	}
	left=$(leftovers)
	echo "objects left by killed prefixed runs, before the next run: $left"
	[ "$left" -gt 0 ] || fail "the killed run left nothing: this test could not see a leak"
	"$cli" stress pipe --messages 100 >/dev/null 2>&1 || fail "next run"
	left=$(leftovers)
	[ "$left" = 0 ] || fail "$left objects of killed runs still there after the next run"
	after=$(ls /dev/shm | grep -c '^ipcfuzz\.o')
	[ "$after" = "$before" ] || fail "namespaced runs leaked /dev/shm names to the host"
	;;
*)
	fail "unknown mode $mode"
	;;
esac
echo "ok: $mode $*"
