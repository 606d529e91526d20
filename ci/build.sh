#!/usr/bin/env bash
# ci/build.sh PRESET...: configures and builds each preset in build/<preset>.
set -euo pipefail
cd "$(dirname "$0")/.."
for preset in "$@"; do
	cmake --preset "$preset" >/dev/null
	cmake --build --preset "$preset" -j "$(nproc)" >/dev/null ||
		cmake --build --preset "$preset" -j 1 # again, to show the errors
done
