/* ipcfuzz list: every mechanism, whether this kernel has it, and why not. */
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
			if (why)
				json_string(why);
			else
				printf("null");
			printf(", \"summary\": ");
			json_string(m->summary);
			printf("}");
		} else {
			printf("%-16s %-15s %-10s %s\n", m->id, class_names[m->cls],
			       why ? "skipped" : "available", why ? why : m->summary);
		}
	}
	if (json)
		printf("\n]\n");
	return 0;
}
