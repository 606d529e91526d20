#!/usr/bin/env bash
# Benchmark (figures, not a test): the stress driver's verified throughput
# through system calls beside the same traffic through io_uring (ipcfuzz
# stress --io-uring), every mechanism with a profile, release build.
#   BENCH_SECONDS (default 5)
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${BENCH_SECONDS:-5}
bash ci/build.sh release >/dev/null || exit 2
ipcfuzz=build/release/ipcfuzz
out=$(mktemp -d /tmp/ipcfuzz-bench-uring.XXXXXX)
trap 'rm -rf "$out"' EXIT
targets=$($ipcfuzz list --json | python3 -c 'import json,sys; print(" ".join(m["id"] for m in json.load(sys.stdin) if m["available"]))')

# Stress throughput, syscalls beside io_uring: the same verified traffic
# (2 producers, 2 consumers, 64-byte frames), one ring per participant.
printf '\n%-16s %16s %16s   (ipcfuzz stress, %ss each, release build)\n' target "syscalls" "io_uring" "$seconds"
for t in $targets; do
	for b in syscall uring; do
		flag=""
		[ $b = uring ] && flag=--io-uring
		$ipcfuzz stress "$t" --seconds "$seconds" $flag --json "$out/stress-$t-$b.json" >/dev/null 2>&1
	done
	python3 - "$out" "$t" <<'PY'
import json, os, sys
d, t = sys.argv[1], sys.argv[2]
def rate(b):
    try:
        r = json.load(open(os.path.join(d, f"stress-{t}-{b}.json")))["results"][0]
        if r.get("status") == "skipped":
            return "skipped"
        return f"{r['msgs_per_s']:.0f} msg/s"
    except Exception:
        return "n/a"
print(f"{t:<16} {rate('syscall'):>16} {rate('uring'):>16}")
PY
done
