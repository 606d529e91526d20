#!/usr/bin/env bash
# Benchmark (figures, not a test): the verified throughput of `ipcfuzz
# stress` beside its two peers, one run each, same mechanism, same time,
# one producer and one consumer, 512-byte messages:
#   - stress-ng's matching stressor with --verify --metrics (Debian's
#     stress-ng): its bogo ops per second;
#   - bench/raw_ipc.c: the plainest loop that moves the same messages, no
#     framing, no checks (what verification costs is the gap to it).
# ipcfuzz checks every message (producer, sequence, length, two checksums,
# a ledger) and audits leaks.  Built with the release preset (no
# sanitizers), as the peers are.  Each figure is the best of BENCH_REPEAT
# runs: on a small machine where the two processes land (one core or two,
# who sleeps when a 10-message queue fills) swings a single run several
# times over, for the peers as much as for ipcfuzz.
#   BENCH_SECONDS (default 3)  BENCH_REPEAT (default 3)
#   BENCH_MECHS (default: the nine below)
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${BENCH_SECONDS:-3}
repeat=${BENCH_REPEAT:-3}
size=512
command -v stress-ng >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq stress-ng >/dev/null
command -v jq >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null
bash ci/build.sh release >/dev/null || exit 2
bin=build/release
tmp=$(mktemp -d /tmp/ipcfuzz-bench-stress.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# mechanism | stress-ng stressor and options | what one of its bogo ops is
table=(
	"pipe|--pipe 1 --pipe-data-size $size|a $size-byte write"
	"fifo|--fifo 1 --fifo-readers 1 --fifo-data-size $size|a $size-byte write"
	"sysv-msg|--msg 1 --msg-bytes $size|a $size-byte message"
	"posix-mq|--mq 1|an 8-byte message (no size option)"
	"unix-stream|--sockpair 1|a socketpair write of varying size"
	"sysv-shm|--shm-sysv 1|a segment made, attached, checked, removed"
	"posix-shm|--shm 1|a segment made, mapped, checked, unlinked"
	"sysv-sem|--sem-sysv 1|a semop P/V pair, no data"
	"posix-sem|--sem 1|a sem_wait/sem_post pair, no data"
)

ours() { # mechanism -> verified messages/s
	"$bin/ipcfuzz" stress "$1" --seconds "$seconds" --producers 1 --consumers 1 \
		--msg-size "$size" --json "$tmp/$1.json" >/dev/null 2>&1
	jq -r '.results[0] | if .status == "pass" then (.msgs_per_s | floor) else "fail" end' \
		"$tmp/$1.json" 2>/dev/null || echo n/a
}

theirs() { # stress-ng options -> bogo ops/s (real time)
	# shellcheck disable=SC2086 # the options are words
	stress-ng $1 --verify --metrics --timeout "${seconds}s" 2>&1 |
		awk '$2 == "metrc:" && $5 ~ /^[0-9]+$/ && $4 != "stressor" {printf "%.0f", $9; exit}'
}

raw() { # mechanism -> messages/s
	"$bin/raw_ipc" "$1" "$seconds" "$size" 2>/dev/null
}

best() { # command args... -> the highest of $repeat figures ("fail" wins: it is a finding)
	local v all=""
	for _ in $(seq "$repeat"); do
		v=$("$@")
		all="$all ${v:-n/a}"
	done
	awk '{ b = ""; for (i = 1; i <= NF; i++) { if ($i == "fail") { b = "fail"; break }
		if ($i ~ /^[0-9]+$/ && (b == "" || $i + 0 > b + 0)) b = $i }
		print (b == "" ? "n/a" : b) }' <<<"$all"
}

ratio() { # a b -> a/b, or -
	awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2fx", a / b; else printf "-" }'
}

${CC:-cc} -O2 -o "$tmp/machine" bench/machine.c && "$tmp/machine" 0 # bench/fuzz.sh says why
printf 'ipcfuzz stress (verified) beside stress-ng --verify and a raw loop: best of %s runs of %ss, 1 producer + 1 consumer, %s-byte messages, %s cores\n' \
	"$repeat" "$seconds" "$size" "$(nproc)"
printf '%-12s %14s %14s %14s %10s %10s   %s\n' mechanism "ipcfuzz msg/s" "stress-ng op/s" \
	"raw msg/s" "vs s-ng" "vs raw" "(a stress-ng bogo op is)"
for row in "${table[@]}"; do
	IFS='|' read -r mech sng what <<<"$row"
	[ -n "${BENCH_MECHS:-}" ] && [[ " $BENCH_MECHS " != *" $mech "* ]] && continue
	a=$(best ours "$mech")
	b=$(best theirs "$sng")
	c=$(best raw "$mech")
	printf '%-12s %14s %14s %14s %10s %10s   (%s)\n' "$mech" "$a" "${b:-n/a}" "$c" \
		"$(ratio "$a" "$b")" "$(ratio "$a" "$c")" "$what"
done
