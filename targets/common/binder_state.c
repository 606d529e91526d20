#define _GNU_SOURCE
#include "binder_state.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* A section of binder/state: "proc <pid>", "context <name>", then indented
 * lines ("  thread <tid>: ...", "  node ...", "  ref ...", "  buffer ..."). */
struct section {
	int pid;
	char context[64];
	int has_me;
	struct binder_held h;
};

static void fold(const struct section *s, const char *context, struct binder_held *h)
{
	if (s->pid != getpid() || strcmp(s->context, context) || !s->has_me)
		return;
	h->nodes += s->h.nodes;
	h->refs += s->h.refs;
	h->buffers += s->h.buffers;
}

int binder_state_held(const char *context, struct binder_held *h)
{
	FILE *f = fopen(BINDER_STATE_PATH, "re");
	char line[512], me[32];
	struct section s = {.pid = -1};

	memset(h, 0, sizeof *h);
	if (!f)
		return -errno;
	snprintf(me, sizeof me, "  thread %d:", (int)gettid());
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, "proc ", 5)) {
			fold(&s, context, h);
			memset(&s, 0, sizeof s);
			s.pid = -1;
			sscanf(line + 5, "%d", &s.pid);
		} else if (!strncmp(line, "context ", 8)) {
			sscanf(line + 8, "%63s", s.context);
		} else if (!strncmp(line, me, strlen(me))) {
			s.has_me = 1;
		} else if (!strncmp(line, "  node ", 7)) {
			s.h.nodes++;
		} else if (!strncmp(line, "  ref ", 6)) {
			s.h.refs++;
		} else if (!strncmp(line, "  buffer ", 9)) {
			s.h.buffers++;
		}
	}
	fold(&s, context, h);
	fclose(f);
	return 0;
}
