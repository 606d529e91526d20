#!/bin/sh
# A ctest of label vm: runs a command in the guest (ci/vm.sh), or exits 77
# (SKIPPED, never passed) when qemu or the guest kernel is not there; run
# `ci/vm.sh --prepare` (ci/test.sh does) to fetch them.
# Usage: vm_test.sh SRC COMMAND [ARG...]
src=$1; shift
if ! "$src/ci/vm.sh" --check; then
	echo "SKIPPED: no qemu or no cached guest kernel (ci/vm.sh --prepare)"
	exit 77
fi
exec "$src/ci/vm.sh" -- "$@"
