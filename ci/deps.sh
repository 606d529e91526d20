#!/usr/bin/env bash
# Installs the Debian packages ipcfuzz needs, when any is missing.
set -euo pipefail
need=(clang clang-format cppcheck libclang-rt-14-dev afl++ liburing-dev cmake pkg-config gnuplot-nox python3 iproute2 procps)
missing=()
for p in "${need[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing: ${missing[*]}"
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
