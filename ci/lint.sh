#!/usr/bin/env bash
# Static checks: cppcheck finds nothing, clang-format changes nothing.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find src targets fuzz cli stress tests -name '*.[ch]')
cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --std=c11 \
	--inline-suppr -I src -I targets $files || status=1
clang-format --dry-run -Werror $files || status=1
[ $status = 0 ] && echo "lint: clean"
exit $status
