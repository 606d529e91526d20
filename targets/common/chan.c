/* Helpers every descriptor-based target shares. */
#include "../mechanism.h"

#include "../../src/util/fault.h"

#include <unistd.h>

void chan_reset(struct chan *c)
{
	c->ends = 0;
	c->fd[0] = c->fd[1] = -1;
	c->id = -1;
	c->map = NULL;
	c->map_len = 0;
	c->size = 0;
	c->role = 0;
	c->hint = 0;
	c->open_flags = 0;
}

int chan_close_fds(struct chan *c, unsigned ends)
{
	for (int i = 0; i < 2; i++) {
		unsigned end = i ? OPF_WRITE : OPF_READ;
		if (!(ends & end) || c->fd[i] < 0)
			continue;
		/* leak-fd: forget the read end without closing it. */
		if (!(i == 0 && fault_on(FAULT_LEAK_FD)))
			close(c->fd[i]);
		if (c->fd[1 - i] == c->fd[i])
			c->fd[1 - i] = -1;
		c->fd[i] = -1;
	}
	c->ends &= ~ends;
	return 0;
}

const char *probe_needs(const char *path, const char *why)
{
	return access(path, F_OK) ? why : NULL;
}
