#!/bin/sh
# ipcfuzz campaign end to end, short: a clean campaign writes its reports
# and plots and grows the corpus; a broken target (IPCFUZZ_FAULT) is found,
# named by its signature once, and does not stop the other target.
ipcfuzz=$1 dir=$2
fail=0
bad() { echo "FAIL: $*"; fail=1; }
rm -rf "$dir" && mkdir -p "$dir"

"$ipcfuzz" campaign --seconds-per-target 3 --engines libfuzzer --targets pipe,sysv-msg \
	--out "$dir/clean" > "$dir/clean.txt" 2>&1
[ $? = 0 ] || { bad "clean campaign exit $?"; cat "$dir/clean.txt"; }
python3 - "$dir/clean" <<'PY' || fail=1
import json, os, sys, xml.etree.ElementTree as ET
d = sys.argv[1]
r = json.load(open(os.path.join(d, "report.json")))
ids = [t["id"] for t in r["targets"]]
assert ids == ["pipe", "sysv-msg"], ids
for t in r["targets"]:
    assert t["runs"][0]["execs"] > 0, t
    assert t["corpus_after"] >= t["corpus_before"] > 0, t
    png = open(os.path.join(d, t["id"], "coverage.png"), "rb").read(8)
    assert png == b"\x89PNG\r\n\x1a\n", "no PNG for " + t["id"]
assert r["findings"] == [], r["findings"]
stressed = sum(1 for t in r["targets"] if t["stress"])
suite = ET.parse(os.path.join(d, "junit.xml")).getroot().find("testsuite")
assert suite.get("tests") == str(2 + stressed) and suite.get("failures") == "0", suite.attrib
assert "| pipe | libfuzzer |" in open(os.path.join(d, "report.md")).read()
print("clean campaign: ok")
PY

IPCFUZZ_FAULT=stream-drop-byte "$ipcfuzz" campaign --seconds-per-target 4 --jobs 2 \
	--engines libfuzzer --targets pipe,sysv-msg --out "$dir/faulty" > "$dir/faulty.txt" 2>&1
[ $? = 1 ] || { bad "faulty campaign should exit 1"; cat "$dir/faulty.txt"; }
python3 - "$dir/faulty" <<'PY' || fail=1
import json, os, sys, xml.etree.ElementTree as ET
d = sys.argv[1]
r = json.load(open(os.path.join(d, "report.json")))
sigs = [f["signature"] for f in r["findings"]]
assert "result/pipe/recv" in sigs, sigs
assert len(sigs) == len(set(sigs)), "not deduplicated: %s" % sigs
assert all(f["target"] == "pipe" for f in r["findings"]), sigs
f = [f for f in r["findings"] if f["signature"] == "result/pipe/recv"][0]
assert os.path.exists(f["file"]), f
msg = [t for t in r["targets"] if t["id"] == "sysv-msg"][0]
assert msg["runs"][0]["execs"] > 0, "a crash in pipe stopped sysv-msg"
suite = ET.parse(os.path.join(d, "junit.xml")).getroot().find("testsuite")
failed = {(c.get("classname"), c.get("name")) for c in suite if c.find("failure") is not None}
assert ("ipcfuzz.pipe", "libfuzzer") in failed, failed
assert not any(cls == "ipcfuzz.sysv-msg" for cls, _ in failed), failed
print("faulty campaign: ok,", sigs)
PY
exit $fail
