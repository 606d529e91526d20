#!/usr/bin/env bash
# The nightly job: `ipcfuzz campaign` under the libfuzzer/asan presets (and
# the tsan preset's threaded stress when `ipcfuzz stress` exists) for a time
# budget, then the guest's tests (ctest -L vm), keeping the working corpus
# in a directory CI caches.  It fails only
# on a NEW finding: signatures are compared with the known list kept beside
# the corpus, and new ones are added to it, so a known bug fails one night.
#   NIGHTLY_BUDGET     seconds for the whole fuzzing part (default 3600)
#   NIGHTLY_CORPUS     the cached directory (default .nightly-corpus):
#                      <target>/ inputs, known-signatures.txt
#   NIGHTLY_OUT        reports (default ipcfuzz-out/nightly)
#   ENGINES            (default "libfuzzer afl")   JOBS (default: cores)
#   NIGHTLY_BUILD=0    skip installing and building (the builds exist)
#   NIGHTLY_VM=0       skip the guest's tests
#   NIGHTLY_TARGETS    a,b,... (default: every available target)
# Exit status: 0 nothing new, 1 a new crash or leak, 2 setup failed.
set -uo pipefail
cd "$(dirname "$0")/.."
budget=${NIGHTLY_BUDGET:-3600}
corpus=${NIGHTLY_CORPUS:-.nightly-corpus}
out=${NIGHTLY_OUT:-ipcfuzz-out/nightly}
engines=${ENGINES:-libfuzzer afl}
jobs=${JOBS:-$(nproc)}
if [ "${NIGHTLY_BUILD:-1}" != 0 ]; then
	bash ci/deps.sh || exit 2
	bash ci/build.sh asan libfuzzer afl || exit 2
	[ -n "$(command -v clang)" ] && bash ci/build.sh tsan || true
fi
. ci/env.sh
ipcfuzz=build/asan/ipcfuzz
[ -x "$ipcfuzz" ] || { echo "nightly: $ipcfuzz not built" >&2; exit 2; }
ntargets=$($ipcfuzz list --json | python3 -c 'import json,sys; print(sum(m["available"] for m in json.load(sys.stdin)))')
[ -n "${NIGHTLY_TARGETS:-}" ] && ntargets=$(echo "$NIGHTLY_TARGETS" | tr ',' '\n' | grep -c .)
nengines=$(echo $engines | wc -w)
per=$((budget / (ntargets > 0 ? ntargets : 1) / (nengines > 0 ? nengines : 1)))
[ $per -lt 5 ] && per=5
mkdir -p "$corpus" "$out"
known="$corpus/known-signatures.txt"
touch "$known"
echo "nightly: $ntargets targets x $nengines engines x ${per}s, $jobs job(s), corpus $corpus"
$ipcfuzz campaign --seconds-per-target "$per" --engines "$(echo $engines | tr ' ' ',')" \
	--jobs "$jobs" --out "$out" --corpus "$corpus" ${NIGHTLY_TARGETS:+--targets "$NIGHTLY_TARGETS"}
rc=$?
[ $rc = 2 ] && exit 2

# TSan: the threaded stress mode, where the stress subcommand exists.
tsan=build/tsan/ipcfuzz
if [ -x "$tsan" ] && $tsan stress --help 2>/dev/null | grep -q -- --threads; then
	for t in $($tsan list --json | python3 -c 'import json,sys; print(" ".join(m["id"] for m in json.load(sys.stdin) if m["available"]))'); do
		log="$out/$t/tsan-stress.log"
		mkdir -p "$out/$t"
		if ! setarch -R $tsan stress "$t" --threads --seconds "$per" >"$log" 2>&1; then
			sig=$(sed -n 's/^signature: //p' "$log" | head -1)
			echo "${sig:-tsan/$t/stress}" >> "$out/more-signatures.txt"
		fi
	done
fi

# The guest (ci/vm.sh): what this kernel lacks (binder, dma-heap, udmabuf):
# corpus, faults, stress, reproducers and a short fuzz there; a failing
# test counts as finding vm/<test>.
if [ "${NIGHTLY_VM:-1}" = 0 ]; then
	: # asked not to (the test of this script)
elif bash ci/vm.sh --check 2>/dev/null; then
	for b in asan libfuzzer; do
		ctest --test-dir "build/$b" -L vm --timeout 900 --output-on-failure \
			>"$out/vm-$b.log" 2>&1 ||
			sed -n 's/^[[:space:]]*[0-9]* - \(vm:[^ ]*\) (Failed)$/vm\/\1/p' "$out/vm-$b.log" \
				>>"$out/more-signatures.txt"
	done
else
	echo "nightly: no guest (ci/vm.sh --prepare): the vm tests did not run"
fi

# New = in this night's findings and not in the known list.
new=$(python3 - "$out/report.json" "$known" "$out/more-signatures.txt" <<'PY'
import json, os, sys
report, known, more = sys.argv[1:4]
seen = {l.strip() for l in open(known) if l.strip()}
sigs = [f["signature"] for f in json.load(open(report))["findings"]]
if os.path.exists(more):
    sigs += [l.strip() for l in open(more) if l.strip()]
for s in dict.fromkeys(sigs):
    if s not in seen:
        print(s)
PY
)
if [ -n "$new" ]; then
	echo "nightly: NEW findings (see $out/report.md):"
	echo "$new" | sed 's/^/  /'
	echo "$new" >> "$known"
	exit 1
fi
echo "nightly: nothing new ($(wc -l < "$known") known signature(s)); report: $out/report.md"
exit 0
