#!/usr/bin/env bash
# Benchmark (figures, not a test): ipcfuzz's verified stress traffic beside
# stress-ng's unverified stressors for the same mechanism, same time, one
# producer and one consumer, 512-byte messages.  ipcfuzz checks every
# message (id, sequence, length, two checksums) and audits leaks; stress-ng
# checks nothing by default, so the ratio is the price of the verification.
#   BENCH_SECONDS (default 5)  PRESET (default asan; "dev" for unsanitized)
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${BENCH_SECONDS:-5}
preset=${PRESET:-asan}
command -v stress-ng >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq stress-ng >/dev/null
bash ci/build.sh "$preset" || exit 2
ipcfuzz=build/$preset/ipcfuzz
tmp=$(mktemp -d /tmp/ipcfuzz-bench-stress.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
printf '%-10s %18s %22s   (%ss, 1 producer + 1 consumer, 512 B, ipcfuzz built %s)\n' \
	mechanism "ipcfuzz stress" "stress-ng (stressor)" "$seconds" "$preset"
for pair in "pipe:pipe" "sysv-msg:msg" "pty:pty"; do
	t=${pair%%:*} s=${pair##*:}
	$ipcfuzz stress "$t" --seconds "$seconds" --producers 1 --consumers 1 --msg-size 512 \
		--json "$tmp/$t.json" >/dev/null 2>&1
	ours=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print(f\"{r['msgs_per_s']:.0f} msg/s\")" "$tmp/$t.json" 2>/dev/null || echo n/a)
	# stress-ng's bogo ops: a pipe write of --pipe-data-size bytes, or one message.
	theirs=$(stress-ng --"$s" 1 --"${s}-data-size" 512 --timeout "${seconds}s" --metrics-brief 2>&1 |
		awk -v s="$s" '$4 == s && $5 ~ /^[0-9]+$/ {printf "%.0f bogo-ops/s", $9}')
	[ -n "$theirs" ] || theirs=$(stress-ng --"$s" 1 --timeout "${seconds}s" --metrics-brief 2>&1 |
		awk -v s="$s" '$4 == s && $5 ~ /^[0-9]+$/ {printf "%.0f bogo-ops/s", $9}')
	printf '%-10s %18s %22s   (stressor %s)\n' "$t" "$ours" "${theirs:-n/a}" "$s"
done
