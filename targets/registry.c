/* The registry: one line per mechanism, in the order `ipcfuzz list` shows. */
#include "mechanism.h"

#include <string.h>

extern const struct mechanism mech_pipe, mech_sysv_msg, mech_posix_shm, mech_binder, mech_signal,
	mech_pty;
extern const struct mechanism mech_fifo, mech_posix_mq; /* fifo, posix-mq */
extern const struct mechanism mech_sysv_shm, mech_memfd, mech_mmap_anon,
	mech_mmap_file; /* shared memory */
extern const struct mechanism mech_unix_stream, mech_unix_dgram, mech_unix_seqpacket, mech_tcp,
	mech_udp;						     /* sockets */
extern const struct mechanism mech_dma_heap, mech_udmabuf, mech_ion; /* dma-buf family */
extern const struct mechanism mech_sysv_sem, mech_posix_sem;	     /* sync */

/* A row per family, so families added side by side merge. */
/* clang-format off */
const struct mechanism *const mechanisms[] = {
	&mech_posix_shm,
	/* shared memory */
	&mech_sysv_shm,
	&mech_memfd,
	&mech_mmap_anon,
	&mech_mmap_file,
	/* the rest */
	&mech_pipe,
	&mech_sysv_msg,
	&mech_binder,
	&mech_signal,
	&mech_pty,
	/* fifo, posix-mq */
	&mech_fifo,
	&mech_posix_mq,
	/* sockets */
	&mech_unix_stream,
	&mech_unix_dgram,
	&mech_unix_seqpacket,
	&mech_tcp,
	&mech_udp,
	/* dma-buf family */
	&mech_dma_heap,
	&mech_udmabuf,
	&mech_ion,
	/* sync */
	&mech_sysv_sem,
	&mech_posix_sem,
};
/* clang-format on */
const size_t mechanism_count = sizeof mechanisms / sizeof mechanisms[0];

const struct mechanism *mechanism_find(const char *id)
{
	for (size_t i = 0; i < mechanism_count; i++)
		if (!strcmp(mechanisms[i]->id, id))
			return mechanisms[i];
	return NULL;
}

unsigned mechanism_namespaces(const struct mechanism *m)
{
	return m->access ? m->access->isolation | m->access->abstract_isolation : 0;
}
