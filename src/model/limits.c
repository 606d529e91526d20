#define _GNU_SOURCE
#include "limits.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
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

static int has_cap(int cap)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned long long eff = 0;

	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	if (f)
		fclose(f);
	return (int)((eff >> cap) & 1);
}

void limits_read(struct limits *l)
{
	int p[2];

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
	l->cap_sys_resource = has_cap(24 /* CAP_SYS_RESOURCE */);
}
