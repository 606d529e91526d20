/* The registry: one line per mechanism, in the order `ipcfuzz list` shows. */
#include "mechanism.h"

#include <string.h>

extern const struct mechanism mech_pipe, mech_sysv_msg, mech_posix_shm, mech_binder, mech_signal,
	mech_pty, mech_sysv_shm, mech_memfd, mech_mmap_anon, mech_mmap_file;

const struct mechanism *const mechanisms[] = {
	&mech_posix_shm, &mech_sysv_shm, &mech_memfd,  &mech_mmap_anon, &mech_mmap_file,
	&mech_pipe,	 &mech_sysv_msg, &mech_binder, &mech_signal,	&mech_pty,
};
const size_t mechanism_count = sizeof mechanisms / sizeof mechanisms[0];

const struct mechanism *mechanism_find(const char *id)
{
	for (size_t i = 0; i < mechanism_count; i++)
		if (!strcmp(mechanisms[i]->id, id))
			return mechanisms[i];
	return NULL;
}
