/* Limits of the running kernel and the credentials of this process, read
 * once after entering the sandbox (a new IPC namespace has its own
 * msgmax/msgmnb), never hard-coded. */
#ifndef IPCFUZZ_LIMITS_H
#define IPCFUZZ_LIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRED_MAX_GROUPS 8

/* Who an actor is, as the access rules see it. */
struct cred {
	uint32_t uid, gid; /* effective = real = saved = fs ids */
	uint32_t groups[CRED_MAX_GROUPS];
	int ngroups;
	uint64_t caps; /* effective capabilities (bit n = capability n) */
	unsigned umask;
	int ns[3]; /* namespace ids by IDENT_NS_* bit: 0 = the sandbox's */
};

struct limits {
	long page_size;
	long pipe_buf;
	long pipe_default_size; /* F_GETPIPE_SZ of a fresh pipe */
	long msgmax;
	long msgmnb;
	long wmem_max;	     /* sockets: SO_SNDBUF's bound without CAP_NET_ADMIN */
	long rmem_max;	     /* ... SO_RCVBUF's (tcp, udp) */
	long max_dgram_qlen; /* net.unix.max_dgram_qlen of our network namespace */
	/* The executor, and so every peer that takes no identity.  Containers
	 * often drop capabilities even for root (CAP_SYS_RESOURCE here), so
	 * the rules look at the capability set, never at uid 0. */
	struct cred self;
	int protected_regular; /* fs.protected_regular: O_CREAT in sticky dirs */
	bool setgroups_ok;     /* /proc/self/setgroups is not "deny" */
	unsigned mapped;       /* ident.h ids mapped in our user namespace (mask) */
	/* RLIMIT_SIGPENDING as peers inherit it (they may lower the soft one). */
	long sigpending_soft;
	long sigpending_hard;
	/* fifo, posix-mq: /proc/sys/fs/mqueue (msg_max ...) of the sandbox's IPC namespace,
	 * RLIMIT_MSGQUEUE, and whether capabilities count in the initial user
	 * namespace (mq_open's limits ask capable(CAP_SYS_RESOURCE)). */
	long mq_msg_max, mq_msgsize_max, mq_msg_default, mq_msgsize_default;
	long msgqueue_rlimit;
	bool init_userns;
	long shmmax; /* kernel.shmmax of the IPC namespace: shmget's largest size */
};

void limits_read(struct limits *l);

#endif
