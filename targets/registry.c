/* The registry: one line per mechanism, in the order `ipcfuzz list` shows. */
#include "mechanism.h"

#include <string.h>

extern const struct mechanism mech_pipe, mech_sysv_msg, mech_posix_shm, mech_binder, mech_signal,
	mech_pty;
extern const struct mechanism mech_dma_heap, mech_udmabuf, mech_ion; /* dma-buf family */

/* A row per family, so families added side by side merge. */
/* clang-format off */
const struct mechanism *const mechanisms[] = {
	&mech_posix_shm, &mech_pipe, &mech_sysv_msg, &mech_binder, &mech_signal, &mech_pty,
	&mech_dma_heap, &mech_udmabuf, &mech_ion, /* dma-buf family */
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
