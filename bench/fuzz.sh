#!/usr/bin/env bash
# Benchmark (figures, not a test): exec/s of every available target under
# libFuzzer and AFL++ side by side, each pinned to one core for the same time,
# from the same seeds, with the oracle and the leak audit on.
#   BENCH_SECONDS (default 20)  BENCH_TARGETS (default: every available one)
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${BENCH_SECONDS:-20}
bash ci/deps.sh || exit 2
. ci/env.sh
bash ci/build.sh asan libfuzzer afl || exit 2
ipcfuzz=build/asan/ipcfuzz
out=$(mktemp -d /tmp/ipcfuzz-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT
targets=${BENCH_TARGETS:-}
[ -n "$targets" ] || targets=$($ipcfuzz list --json | python3 -c 'import json,sys; print(" ".join(m["id"] for m in json.load(sys.stdin) if m["available"]))')
# The third column is libFuzzer with the peers forked from the sanitized
# fuzzer instead of the lean zygote (IPCFUZZ_LEAN_PEERS=0): what it saves.
# The last says where the libFuzzer run's time went (IPCFUZZ_PROFILE=1): the
# microseconds per program spent in the programs' own ops (their system
# calls, and round trips to the peers that run them) of all the executor
# spent; 10,000 exec/s leaves 100 us a program for everything.
printf '%-16s %14s %14s %22s %18s   (%ss each, one core, ASan+UBSan, oracle+audit on)\n' \
	target "libFuzzer" "AFL++" "libFuzzer, ASan peers" "ops/executor us" "$seconds"
for t in $targets; do
	IPCFUZZ_PROFILE=1 taskset -c 0 $ipcfuzz fuzz "$t" --engine libfuzzer --seconds "$seconds" \
		--out "$out/$t/libfuzzer" --build-root build >/dev/null 2>&1
	taskset -c 0 $ipcfuzz fuzz "$t" --engine afl --seconds "$seconds" --out "$out/$t/afl" \
		--build-root build >/dev/null 2>&1
	IPCFUZZ_LEAN_PEERS=0 taskset -c 0 $ipcfuzz fuzz "$t" --engine libfuzzer --seconds "$seconds" \
		--out "$out/$t/forked" --build-root build >/dev/null 2>&1
	python3 - "$out/$t" "$t" <<'PY'
import json, os, re, sys
d, t = sys.argv[1], sys.argv[2]
def rate(e):
    try:
        s = json.load(open(os.path.join(d, e, "summary.json")))
        return f"{s['exec_per_sec']:.0f} exec/s"
    except Exception:
        return "n/a"
def split():
    try:
        text = open(os.path.join(d, "libfuzzer", "fuzz.log"), errors="replace").read()
        total = re.findall(r"ipcfuzz profile: \d+ programs, ([0-9.]+) us each", text)[-1]
        ops = sum(float(re.findall(rf"{k} +([0-9.]+) us/program", text)[-1])
                  for k in ("executor ops", "peer ops"))
        return f"{ops:.0f} / {float(total):.0f}"
    except Exception:
        return "n/a"
print(f"{t:<16} {rate('libfuzzer'):>14} {rate('afl'):>14} {rate('forked'):>22} {split():>18}")
PY
done
