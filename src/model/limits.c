#define _GNU_SOURCE
#include "limits.h"

#include "../prog/ident.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <unistd.h>

static long read_long(const char *path, long dflt)
{
	FILE *f = fopen(path, "re");
	long v = dflt;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = dflt;
		fclose(f);
	}
	return v;
}

static uint64_t cap_eff(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned long long eff = 0;

	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	if (f)
		fclose(f);
	return eff;
}

/* Is id inside one of the ranges of /proc/self/{uid,gid}_map? */
static bool id_mapped(const char *map, uint32_t id)
{
	FILE *f = fopen(map, "re");
	unsigned long inner, outer, count;
	bool found = false;

	while (f && !found && fscanf(f, "%lu %lu %lu", &inner, &outer, &count) == 3)
		found = id >= inner && id - inner < count;
	if (f)
		fclose(f);
	return found;
}

static void read_self(struct limits *l)
{
	struct cred *c = &l->self;
	gid_t groups[64];
	char word[16] = "";
	int n = getgroups(64, groups);
	FILE *f;

	c->uid = (uint32_t)geteuid();
	c->gid = (uint32_t)getegid();
	c->ngroups = 0;
	for (int i = 0; i < n && c->ngroups < CRED_MAX_GROUPS; i++)
		c->groups[c->ngroups++] = (uint32_t)groups[i];
	c->caps = cap_eff();
	c->umask = umask(022);
	umask((mode_t)c->umask);
	l->protected_regular = (int)read_long("/proc/sys/fs/protected_regular", 0);
	if ((f = fopen("/proc/self/setgroups", "re"))) {
		if (fscanf(f, "%15s", word) != 1)
			word[0] = 0;
		fclose(f);
	}
	l->setgroups_ok = strcmp(word, "deny") != 0;
	l->mapped = 0;
	for (unsigned i = 0; i < IDENT_IDS; i++)
		if (id_mapped("/proc/self/uid_map", ident_id(i)) &&
		    id_mapped("/proc/self/gid_map", ident_id(i)))
			l->mapped |= 1u << i;
}

void limits_read(struct limits *l)
{
	int p[2];

	/* Fields read_self() does not set (the namespace ids) start at zero
	 * for callers that keep the limits on the stack (prog_to_c). */
	memset(l, 0, sizeof *l);
	l->page_size = sysconf(_SC_PAGESIZE);
	l->pipe_buf = PIPE_BUF;
	l->pipe_default_size = 16 * l->page_size;
	if (!pipe2(p, O_CLOEXEC)) {
		int sz = fcntl(p[0], F_GETPIPE_SZ);
		if (sz > 0)
			l->pipe_default_size = sz;
		close(p[0]);
		close(p[1]);
	}
	l->msgmax = read_long("/proc/sys/kernel/msgmax", 8192);
	l->msgmnb = read_long("/proc/sys/kernel/msgmnb", 16384);
	l->mq_msg_max = read_long("/proc/sys/fs/mqueue/msg_max", 10);
	l->mq_msgsize_max = read_long("/proc/sys/fs/mqueue/msgsize_max", 8192);
	l->mq_msg_default = read_long("/proc/sys/fs/mqueue/msg_default", 10);
	l->mq_msgsize_default = read_long("/proc/sys/fs/mqueue/msgsize_default", 8192);
	l->init_userns =
		id_mapped("/proc/self/uid_map", 4294967294u) && id_mapped("/proc/self/uid_map", 0);
	l->wmem_max = read_long("/proc/sys/net/core/wmem_max", 212992);
	l->rmem_max = read_long("/proc/sys/net/core/rmem_max", 212992);
	l->max_dgram_qlen = read_long("/proc/sys/net/unix/max_dgram_qlen", 10);
	l->shmmax = read_long("/proc/sys/kernel/shmmax", 0x7fffffffL);
	read_self(l);
	struct rlimit rl;
	if (getrlimit(RLIMIT_SIGPENDING, &rl))
		rl.rlim_cur = rl.rlim_max = 0;
	/* Values past what a long holds (RLIM_INFINITY) act as no limit. */
	l->sigpending_soft = rl.rlim_cur > (rlim_t)LONG_MAX ? LONG_MAX : (long)rl.rlim_cur;
	l->sigpending_hard = rl.rlim_max > (rlim_t)LONG_MAX ? LONG_MAX : (long)rl.rlim_max;
	if (getrlimit(RLIMIT_MSGQUEUE, &rl))
		rl.rlim_cur = 0;
	l->msgqueue_rlimit = rl.rlim_cur > (rlim_t)LONG_MAX ? LONG_MAX : (long)rl.rlim_cur;
}
