/* Can this process use io_uring for a given set of opcodes?  See probe.h. */
#include "probe.h"

#include "ring.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The opcodes use paths ask for, by name, for the reason string. */
static const char *op_name(unsigned op)
{
	static const char *const names[IORING_OP_LAST] = {
		[IORING_OP_READ] = "READ",
		[IORING_OP_WRITE] = "WRITE",
		[IORING_OP_SEND] = "SEND",
		[IORING_OP_RECV] = "RECV",
		[IORING_OP_SENDMSG] = "SENDMSG",
		[IORING_OP_RECVMSG] = "RECVMSG",
		[IORING_OP_SPLICE] = "SPLICE",
		[IORING_OP_TEE] = "TEE",
		[IORING_OP_LINK_TIMEOUT] = "LINK_TIMEOUT",
		[IORING_OP_ASYNC_CANCEL] = "ASYNC_CANCEL",
		[IORING_OP_TIMEOUT] = "TIMEOUT",
	};
	return op < IORING_OP_LAST && names[op] ? names[op] : "?";
}

/* kernel.io_uring_disabled (6.6+): 0 allowed, 1 only for privileged
 * processes or io_uring_group, 2 nobody.  Absent on older kernels (= 0).
 * IPCFUZZ_URING_SYSCTL points elsewhere, so tests can show the skip. */
static int sysctl_disabled(void)
{
	const char *path = getenv("IPCFUZZ_URING_SYSCTL");
	FILE *f = fopen(path ? path : "/proc/sys/kernel/io_uring_disabled", "re");
	int v = 0;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

static const char *probe_now(uint64_t ops, char *why, size_t cap)
{
	int disabled = sysctl_disabled();
	struct io_uring r;

	if (disabled >= 2) {
		snprintf(why, cap, "io_uring disabled by sysctl (kernel.io_uring_disabled=%d)",
			 disabled);
		return why;
	}
	int e = io_uring_queue_init(2, &r, 0);
	if (e < 0) {
		snprintf(why, cap, "io_uring_setup: %s (kernel.io_uring_disabled=%d)", strerror(-e),
			 disabled);
		return why;
	}
	struct io_uring_probe *p = io_uring_get_probe_ring(&r);
	const char *answer = NULL;
	if (!p) {
		snprintf(why, cap, "io_uring has no opcode probe (kernel older than 5.6)");
		answer = why;
	}
	for (unsigned op = 0; p && op < 64 && !answer; op++)
		if ((ops & (1ull << op)) && !io_uring_opcode_supported(p, (int)op)) {
			snprintf(why, cap,
				 "io_uring: IORING_OP_%s (%u) not supported by this kernel",
				 op_name(op), op);
			answer = why;
		}
	if (p)
		io_uring_free_probe(p);
	io_uring_queue_exit(&r);
	return answer;
}

const char *uring_probe(uint64_t ops)
{
	static uint64_t last_ops;
	static const char *last;
	static int done;
	static char why[160];

	ops |= URING_OP(LINK_TIMEOUT) | URING_OP(ASYNC_CANCEL);
	if (!done || ops != last_ops) {
		last = probe_now(ops, why, sizeof why);
		last_ops = ops;
		done = 1;
	}
	return last;
}
