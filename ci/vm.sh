#!/usr/bin/env bash
# ci/vm.sh [options] -- COMMAND [ARG...]: runs a command in a guest kernel
# that has what this host's kernel lacks (Binder, dma-buf heaps, udmabuf),
# prints its output and exits with its exit status.
#
# The guest is Debian's linux-image-6.12.*+deb12-amd64 (apt-get download,
# cached, never committed) under qemu-system-x86_64 (KVM when /dev/kvm works,
# else TCG), with a busybox initramfs (ci/vm/init) that loads binder_linux
# (devices binder, binder1..3) and 9p, and mounts read-only the project tree
# and the host's /usr, /lib, /lib64 and /etc at the same paths, so binaries
# built here (sanitizers and all) run as they are; /scratch is writable.
#   --prepare   only install qemu/busybox and fetch the kernel (exit 0 if usable)
#   --check     exit 0 if qemu and a cached kernel are there (no installs)
# Environment: IPCFUZZ_VM_CACHE (default ~/.cache/ipcfuzz/vm),
# IPCFUZZ_VM_TIMEOUT (seconds for the whole run, default 600),
# IPCFUZZ_VM_MEM (MiB, default 2048), IPCFUZZ_VM_ACCEL (auto, kvm, tcg).  Variables named IPCFUZZ_*, ASAN_*,
# UBSAN_*, LSAN_*, AFL_* pass into the guest.
# Exit: the command's status; 2 bad use; 125 the guest gave no status.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${IPCFUZZ_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ipcfuzz/vm}
run_timeout=${IPCFUZZ_VM_TIMEOUT:-600}
mem=${IPCFUZZ_VM_MEM:-2048}
modules=(binder_linux 9p 9pnet_virtio)
say() { echo "vm: $*" >&2; }

usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
mode=run
while [ $# -gt 0 ]; do
	case $1 in
	--prepare) mode=prepare ;;
	--check) mode=check ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	-*) say "unknown option '$1'"; usage >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
if [ $mode = run ] && [ $# = 0 ]; then
	say "no command given"; usage >&2; exit 2
fi

kdir=$cache/kernel
have_tools() {
	command -v qemu-system-x86_64 && [ -x /bin/busybox ] && command -v xz && command -v depmod && command -v cpio
} >/dev/null
have_kernel() { [ -f "$kdir/vmlinuz" ] && [ -d "$kdir/modules" ]; }

install_tools() {
	have_tools && return 0
	say "installing qemu-system-x86 busybox-static xz-utils kmod cpio"
	local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
	DEBIAN_FRONTEND=noninteractive timeout 900 $sudo apt-get install -y -qq \
		qemu-system-x86 busybox-static xz-utils kmod cpio >/dev/null
}

# The newest linux-image-6.12.N+deb12-amd64, unpacked to $kdir.
fetch_kernel() {
	have_kernel && return 0
	local pkg dl tmp
	pkg=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-amd64$' |
		awk '{print $1}' | sort -V | tail -1)
	[ -n "$pkg" ] || { say "no linux-image-6.12.*+deb12-amd64 in apt (apt-get update?)"; return 1; }
	say "fetching $pkg"
	dl=$cache/dl; mkdir -p "$dl"
	(cd "$dl" && timeout 900 apt-get download "$pkg" >/dev/null 2>&1) ||
		{ say "apt-get download $pkg failed"; return 1; }
	tmp=$(mktemp -d "$cache/unpack.XXXXXX")
	dpkg-deb -x "$dl/${pkg}"_*.deb "$tmp" || { rm -rf "$tmp"; return 1; }
	rm -rf "$kdir"; mkdir -p "$kdir"
	cp "$tmp"/boot/vmlinuz-* "$kdir/vmlinuz"
	mkdir -p "$kdir/lib"
	mv "$tmp"/lib/modules "$kdir/lib/modules"
	rm -rf "$tmp" "$dl"
	# The package has no modules.dep (the installer makes it): make it.
	local ver; ver=$(ls "$kdir/lib/modules")
	depmod -b "$kdir" "$ver" || { rm -rf "$kdir"; say "depmod failed"; return 1; }
	ln -s "lib/modules/$ver" "$kdir/modules"
}

case $mode in
check) have_tools && have_kernel; exit ;;
prepare) install_tools && fetch_kernel; exit ;;
esac
install_tools || { say "cannot install qemu"; exit 125; }
fetch_kernel || exit 125

scratch=$(mktemp -d "$cache/run.XXXXXX")
qpid=
cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null && wait "$qpid" 2>/dev/null
	rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# initramfs: busybox, /init, the modules (decompressed) in dependency order.
build_initramfs() {
	local ir=$scratch/initramfs dep m
	mkdir -p "$ir/bin" "$ir/modules" "$ir"/{proc,sys,dev,tmp,scratch}
	cp /bin/busybox "$ir/bin/busybox"
	cp "$root/ci/vm/init" "$ir/init"
	dep=$kdir/modules/modules.dep
	declare -A seen=()
	add_module() { # name: its dependencies first
		local path deps d
		path=$(grep -E "(^|/)$1\.ko(\.xz)?:" "$dep" | head -1) || return 1
		deps=${path#*:}
		for d in $deps; do
			d=$(basename "$d"); d=${d%.xz}; d=${d%.ko}
			add_module "$d" || return 1
		done
		[ -n "${seen[$1]:-}" ] && return 0
		seen[$1]=1
		xz -dc "$kdir/modules/${path%%:*}" > "$ir/modules/$1.ko" 2>/dev/null ||
			cp "$kdir/modules/${path%%:*}" "$ir/modules/$1.ko"
		case $1 in
		binder_linux) echo "$1 devices=binder,binder1,binder2,binder3" ;;
		*) echo "$1" ;;
		esac >> "$ir/modules/order"
	}
	for m in "${modules[@]}"; do
		add_module "$m" || { say "module $m not in the kernel package"; return 1; }
	done
	(cd "$ir" && find . | cpio -o -H newc --quiet | gzip -1) > "$scratch/initramfs.gz" ||
		return 1
	rm -rf "$ir"
}
build_initramfs || exit 125

# The command: the caller's directory and environment.
{
	echo "export PATH=/usr/local/bin:/usr/bin:/usr/sbin:/bin HOME=/tmp"
	env | grep -E '^(IPCFUZZ_|ASAN_|UBSAN_|LSAN_|AFL_)[A-Za-z0-9_]*=' | grep -v '^IPCFUZZ_VM_' |
		while IFS='=' read -r k v; do printf 'export %s=%q\n' "$k" "$v"; done
	printf 'cd %q 2>/dev/null || cd %q\n' "$PWD" "$root"
	printf '%q ' exec "$@"; echo
} > "$scratch/cmd.sh"

# What the guest mounts: tag, host path (symlinks stay symlinks).
virtfs=()
n=0
for p in "$root" /usr /lib /lib64 /etc; do
	[ -e "$p" ] || continue
	if [ -L "$p" ]; then
		echo "link $(readlink "$p") $p" >> "$scratch/mounts"
		continue
	fi
	n=$((n + 1))
	virtfs+=(-virtfs "local,path=$p,mount_tag=h$n,security_model=none,readonly=on")
	echo "mount h$n $p" >> "$scratch/mounts"
done
virtfs+=(-virtfs "local,path=$scratch,mount_tag=scratch,security_model=none")

# KVM where the CPU really has it: a /dev/kvm without vmx/svm (a
# paravirtual KVM, as on this machine kind) cannot run a normal guest.
accel=${IPCFUZZ_VM_ACCEL:-auto}
if [ "$accel" = auto ]; then
	accel=tcg
	[ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo && accel=kvm
fi
accel=(-accel "$accel" -cpu "$([ "$accel" = kvm ] && echo host || echo max)")
console=$scratch/console.log
: > "$console"
timeout -k 5 "$run_timeout" qemu-system-x86_64 "${accel[@]}" -m "$mem" -smp 2 \
	-kernel "$kdir/vmlinuz" -initrd "$scratch/initramfs.gz" \
	-append "console=ttyS0 ${IPCFUZZ_VM_APPEND:-quiet loglevel=0} panic=-1 oops=panic" \
	"${virtfs[@]}" -nic none -display none -monitor none -serial "file:$console" \
	-no-reboot </dev/null >"$scratch/qemu.log" 2>&1 &
qpid=$!
# Stream what the command prints (after the marker), minus the CRs.
tail -s 0.2 -n +1 --pid=$qpid -f "$console" |
	awk '/^@@ipcfuzz-vm: run/ { on = 1; next } on { sub(/\r$/, ""); print; fflush() }'
wait $qpid
qstatus=$?
qpid=
if [ ! -s "$scratch/status" ]; then
	[ $qstatus = 124 ] && say "timed out after ${run_timeout}s" || say "the guest gave no exit status (qemu exited with $qstatus)"
	tail -n 30 "$console" >&2; tail -n 10 "$scratch/qemu.log" >&2
	exit 125
fi
exit "$(cat "$scratch/status")"
