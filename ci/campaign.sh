#!/usr/bin/env bash
# The main job: a short fuzzing campaign over every available mechanism,
# under libFuzzer and AFL++, then a summary table.
#   SECONDS_PER_TARGET (default 10)  ENGINES (default "libfuzzer afl")
#   OUT (default ipcfuzz-out/campaign)
# Exit status: 0 nothing found, 1 crashes or leaks found, 2 setup failed.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${SECONDS_PER_TARGET:-10}
engines=${ENGINES:-libfuzzer afl}
out=${OUT:-ipcfuzz-out/campaign}
bash ci/deps.sh || exit 2
. ci/env.sh
bash ci/build.sh asan libfuzzer afl || exit 2
ipcfuzz=build/asan/ipcfuzz
mkdir -p "$out"
: > "$out/summary.txt"
found=0
targets=$($ipcfuzz list --json | python3 -c 'import json,sys; print(" ".join(m["id"] for m in json.load(sys.stdin)))')
for t in $targets; do
	for e in $engines; do
		line=$($ipcfuzz fuzz "$t" --engine "$e" --seconds "$seconds" --out "$out/$t/$e" --build-root build)
		rc=$?
		echo "$line" | tee -a "$out/summary.txt"
		[ $rc = 1 ] && found=1
	done
done
echo
python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
rows = []
for t in sorted(os.listdir(out)):
    for e in ("libfuzzer", "afl"):
        f = os.path.join(out, t, e, "summary.json")
        if os.path.exists(f):
            rows.append(json.load(open(f)))
print(f"{'target':<16}{'engine':<11}{'execs':>10}{'exec/s':>9}{'crashes':>9}{'leaks':>7}  signatures")
for r in rows:
    print(f"{r['target']:<16}{r['engine']:<11}{r['execs']:>10}{r['exec_per_sec']:>9.0f}{r['crashes']:>9}{r['leaks']:>7}  {r['signatures']}")
PY
grep skipped "$out/summary.txt" | sed 's/^/  /'
left=$(awk 'FNR>1' /proc/sysvipc/msg /proc/sysvipc/shm /proc/sysvipc/sem | wc -l)
echo "host after the campaign: $left SysV objects, $(find /dev/shm -mindepth 1 -maxdepth 1 | wc -l) /dev/shm names"
exit $found
