#!/bin/sh
# campaign and repro: bad use is a clear message and exit 2.
ipcfuzz=$1 src=$2
fail=0
expect2() { # description command...
	what=$1; shift
	"$@" > /tmp/campaign_cli.$$ 2>&1; got=$?
	if [ $got != 2 ] || ! grep -q "ipcfuzz: " /tmp/campaign_cli.$$; then
		echo "FAIL: $what: exit $got, wanted 2 with a message"; cat /tmp/campaign_cli.$$; fail=1
	fi
}
expect2 "campaign jobs 0" "$ipcfuzz" campaign --jobs 0
expect2 "campaign bad seconds" "$ipcfuzz" campaign --seconds-per-target 1x
expect2 "campaign bad engine" "$ipcfuzz" campaign --engines libfuzzer,honggfuzz
expect2 "campaign bad target" "$ipcfuzz" campaign --targets pipe,nope
expect2 "campaign junk" "$ipcfuzz" campaign --frob
expect2 "repro without file" "$ipcfuzz" repro
expect2 "repro missing file" "$ipcfuzz" repro /nonexistent/crash
expect2 "repro bad target" "$ipcfuzz" repro "$src/corpus/pipe/basic.txt" --target nope
expect2 "repro unknown target" "$ipcfuzz" repro /etc/hostname
"$ipcfuzz" campaign --help | grep -q seconds-per-target || { echo "FAIL: campaign --help"; fail=1; }
"$ipcfuzz" repro --help | grep -q to-c || { echo "FAIL: repro --help"; fail=1; }
rm -f /tmp/campaign_cli.$$
[ $fail = 0 ] && echo "campaign/repro cli: ok"
exit $fail
