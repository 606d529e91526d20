/* Limits of the running kernel, read once after entering the sandbox (a new
 * IPC namespace has its own msgmax/msgmnb), never hard-coded. */
#ifndef IPCFUZZ_LIMITS_H
#define IPCFUZZ_LIMITS_H

#include <stddef.h>

struct limits {
	long page_size;
	long pipe_buf;
	long pipe_default_size; /* F_GETPIPE_SZ of a fresh pipe */
	long msgmax;
	long msgmnb;
	/* CAP_SYS_RESOURCE: may raise msg_qbytes past msgmnb (containers often
	 * drop it even for root). */
	int cap_sys_resource;
};

void limits_read(struct limits *l);

#endif
