/* ipcfuzz list: every mechanism, whether this kernel has it, and why not. */
#include "../src/uring/probe.h"
#include "../targets/mechanism.h"
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char usage[] = "usage: ipcfuzz list [--json]\n";

static const char *const class_names[CLASS_COUNT] = {
	[CLASS_BYTE_STREAM] = "byte-stream",
	[CLASS_TYPED_QUEUE] = "typed-queue",
	[CLASS_SHARED_RECORDS] = "shared-records",
	[CLASS_REQUEST_REPLY] = "request-reply",
	[CLASS_SIGNALS] = "signals",
	[CLASS_LINE_DISCIPLINE] = "line-discipline",
	[CLASS_PRIORITY_QUEUE] = "priority-queue", /* fifo, posix-mq */
	[CLASS_SOCKET_STREAM] = "socket-stream",
	[CLASS_DATAGRAM] = "datagram",
	[CLASS_COUNTING_SEM] = "counting-sem", /* sync */
};

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

static void json_string_or_null(const char *s)
{
	if (s)
		json_string(s);
	else
		printf("null");
}

/* The io_uring use path: whether this kernel allows it, and what still
 * goes through system calls when an op says `uring`. */
static void list_uring(const struct mechanism *m, int json)
{
	const char *why = m->uring_ops ? uring_probe(m->uring_ops) : NULL;

	if (json) {
		printf(", \"io_uring\": ");
		if (!m->uring_ops) {
			printf("null");
			return;
		}
		printf("{\"available\": %s, \"reason\": ", why ? "false" : "true");
		json_string_or_null(why);
		printf(", \"syscalls\": ");
		json_string_or_null(m->uring_syscalls);
		printf("}");
	} else if (m->uring_ops) {
		printf("%-16s io_uring: %s%s", "", why ? "skipped: " : "available", why ? why : "");
		if (!why && m->uring_syscalls)
			printf("; as system calls: %s", m->uring_syscalls);
		printf("\n");
	}
}

int cmd_list(int argc, char **argv)
{
	int json = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 0;
		} else
			return cli_bad_use(usage, "list: unknown argument '%s'", argv[i]);
	}
	if (json)
		printf("[");
	for (size_t i = 0; i < mechanism_count; i++) {
		const struct mechanism *m = mechanisms[i];
		const char *why = m->probe ? m->probe() : NULL;
		if (json) {
			printf("%s\n  {\"id\": ", i ? "," : "");
			json_string(m->id);
			printf(", \"class\": \"%s\", \"available\": %s, \"reason\": ",
			       class_names[m->cls], why ? "false" : "true");
			json_string_or_null(why);
			printf(", \"summary\": ");
			json_string(m->summary);
			list_uring(m, json);
			printf("}");
		} else {
			printf("%-16s %-15s %-10s %s\n", m->id, class_names[m->cls],
			       why ? "skipped" : "available", why ? why : m->summary);
			if (!why)
				list_uring(m, json);
		}
	}
	if (json)
		printf("\n]\n");
	return 0;
}
