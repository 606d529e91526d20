#!/usr/bin/env bash
# The main job: a short fuzzing campaign over every available mechanism,
# under libFuzzer and AFL++ (`ipcfuzz campaign`), then a summary table.
#   SECONDS_PER_TARGET (default 10)  ENGINES (default "libfuzzer afl")
#   JOBS (default 1)  OUT (default ipcfuzz-out/campaign)
#   CORPUS (default $OUT/corpus: the working corpus, kept between runs)
# Reports: $OUT/report.md, report.json, junit.xml, <target>/coverage.png.
# Exit status: 0 nothing found, 1 crashes or leaks found, 2 setup failed.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${SECONDS_PER_TARGET:-10}
engines=${ENGINES:-libfuzzer afl}
out=${OUT:-ipcfuzz-out/campaign}
corpus=${CORPUS:-$out/corpus}
bash ci/deps.sh || exit 2
. ci/env.sh
bash ci/build.sh asan libfuzzer afl || exit 2
ipcfuzz=build/asan/ipcfuzz
$ipcfuzz campaign --seconds-per-target "$seconds" --engines "$(echo $engines | tr ' ' ',')" \
	--jobs "${JOBS:-1}" --out "$out" --corpus "$corpus" | tee "$out.summary.txt"
found=${PIPESTATUS[0]}
echo
python3 - "$out/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"{'target':<16}{'engine':<11}{'execs':>10}{'exec/s':>9}{'crashes':>9}{'leaks':>7}  signatures")
for t in r["targets"]:
    if "skipped" in t:
        print(f"{t['id']:<16}skipped: {t['skipped']}")
        continue
    for e in t["runs"]:
        print(f"{t['id']:<16}{e['engine']:<11}{e['execs']:>10}{e['exec_per_sec']:>9.0f}{e['crashes']:>9}{e['leaks']:>7}  {e['signatures']}")
    if t["stress"]:
        print(f"{t['id']:<16}{'stress':<11}{'':>10}{'':>9}{int(t['stress']['status'] != 0):>9}{'':>7}  {t['stress']['signature']}")
print(f"{len(r['findings'])} distinct finding(s); report: {sys.argv[1][:-5]}.md")
PY
left=$(awk 'FNR>1' /proc/sysvipc/msg /proc/sysvipc/shm /proc/sysvipc/sem | wc -l)
echo "host after the campaign: $left SysV objects, $(find /dev/shm -mindepth 1 -maxdepth 1 | wc -l) /dev/shm names"
exit $found
