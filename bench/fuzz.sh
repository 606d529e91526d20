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
# libFuzzer's rate depends on what the corpus grows into (a run that finds
# programs with kills and identities forks more peers): it runs
# BENCH_REPEAT times (default 3) and the column shows the median, with the
# lowest and highest.  The first of them also says where its time went
# (IPCFUZZ_PROFILE=1, which costs it ~4%): of all the microseconds the
# executor spent per program, those in the programs' own ops (their system
# calls, and the round trips to the peers that run them); 10,000 exec/s
# leaves 100 us a program for everything.  The AFL++ column is one run, and
# so is the one with the peers forked from the sanitized fuzzer instead of
# the lean zygote (IPCFUZZ_LEAN_PEERS=0): what that saves.
repeat=${BENCH_REPEAT:-3}
# What the machine charges for a system call, a context switch and a fork
# (bench/machine.c): exec/s is only comparable between machines beside it.
${CC:-cc} -O2 -o "$out/machine" bench/machine.c && "$out/machine" 0
printf '%-16s %24s %14s %22s %18s   (%ss each, one core, ASan+UBSan, oracle+audit on)\n' \
	target "libFuzzer (median, range)" "AFL++" "libFuzzer, ASan peers" "ops/executor us" "$seconds"
for t in $targets; do
	for i in $(seq 1 "$repeat"); do
		IPCFUZZ_PROFILE=$([ "$i" = 1 ] && echo 1 || echo 0) taskset -c 0 $ipcfuzz fuzz "$t" \
			--engine libfuzzer --seconds "$seconds" --out "$out/$t/libfuzzer$i" \
			--build-root build >/dev/null 2>&1
	done
	taskset -c 0 $ipcfuzz fuzz "$t" --engine afl --seconds "$seconds" --out "$out/$t/afl" \
		--build-root build >/dev/null 2>&1
	IPCFUZZ_LEAN_PEERS=0 taskset -c 0 $ipcfuzz fuzz "$t" --engine libfuzzer --seconds "$seconds" \
		--out "$out/$t/forked" --build-root build >/dev/null 2>&1
	python3 - "$out/$t" "$t" "$repeat" <<'PY'
import json, os, re, sys
d, t, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
def rate_of(e):
    try:
        return json.load(open(os.path.join(d, e, "summary.json")))["exec_per_sec"]
    except Exception:
        return None
def rate(e):
    r = rate_of(e)
    return "n/a" if r is None else f"{r:.0f} exec/s"
def median():
    rs = sorted(r for r in (rate_of(f"libfuzzer{i}") for i in range(1, repeat + 1)) if r)
    if not rs:
        return "n/a"
    return f"{rs[len(rs) // 2]:.0f} ({rs[0]:.0f}-{rs[-1]:.0f})"
def split():
    try:
        text = open(os.path.join(d, "libfuzzer1", "fuzz.log"), errors="replace").read()
        total = re.findall(r"ipcfuzz profile: \d+ programs, ([0-9.]+) us each", text)[-1]
        ops = sum(float(re.findall(rf"{k} +([0-9.]+) us/program", text)[-1])
                  for k in ("executor ops", "peer ops"))
        return f"{ops:.0f} / {float(total):.0f}"
    except Exception:
        return "n/a"
print(f"{t:<16} {median():>24} {rate('afl'):>14} {rate('forked'):>22} {split():>18}")
PY
done
