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

/* Reads binder/state section by section; fn sees each finished one. */
static int each_section(void (*fn)(const struct section *s, void *arg), void *arg)
{
	FILE *f = fopen(BINDER_STATE_PATH, "re");
	char line[512], me[32];
	struct section s = {.pid = -1};

	if (!f)
		return -errno;
	snprintf(me, sizeof me, "  thread %d:", (int)gettid());
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, "proc ", 5)) {
			fn(&s, arg);
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
	fn(&s, arg);
	fclose(f);
	return 0;
}

struct fold_arg {
	const char *context;
	struct binder_held *h;
	int procs; /* sections of this pid on the context, live or not */
};

static void fold(const struct section *s, void *arg)
{
	struct fold_arg *a = arg;

	if (s->pid != getpid() || strcmp(s->context, a->context))
		return;
	a->procs++;
	if (!s->has_me)
		return;
	a->h->nodes += s->h.nodes;
	a->h->refs += s->h.refs;
	a->h->buffers += s->h.buffers;
}

int binder_state_held(const char *context, struct binder_held *h)
{
	struct fold_arg a = {.context = context, .h = h};

	memset(h, 0, sizeof *h);
	return each_section(fold, &a);
}

int binder_state_procs(const char *context)
{
	struct binder_held h;
	struct fold_arg a = {.context = context, .h = &h};

	memset(&h, 0, sizeof h);
	int r = each_section(fold, &a);
	return r < 0 ? r : a.procs;
}
