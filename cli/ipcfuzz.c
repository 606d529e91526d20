/* ipcfuzz: the command line.  Subcommands live one per file. */
#include "../fuzz/replay.h"
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: ipcfuzz <command> [options]\n"
	"\n"
	"commands:\n"
	"  list [--json]                      mechanisms, available or skipped and why\n"
	"  fuzz <target> [--engine libfuzzer|afl] [--seconds N] [--out DIR] [--jobs J]\n"
	"                                     fuzz one target with a real engine\n"
	"  replay [--target T] [--runs N] FILE|DIR...\n"
	"                                     replay inputs with no engine (text or binary)\n"
	"  prog decode|encode FILE [-o OUT]   binary input <-> text program\n"
	"  stress <mechanism|all> [options]   producers and consumers hammer it, all verified\n"
	"  campaign [--seconds-per-target N] [--engines libfuzzer,afl] [--jobs J]\n"
	"           [--out DIR] [--targets a,b]\n"
	"                                     fuzz (and stress) every target, merge the\n"
	"                                     corpus, report.md/.json, junit.xml, plots\n"
	"  repro FILE [--target T] [--minimize] [--to-c OUT.c]\n"
	"                                     a crash file: its program, the oracle report,\n"
	"                                     a smaller input, a standalone C reproducer\n"
	"  vm [--] COMMAND [ARG...]           run a command in a guest kernel with\n"
	"                                     Binder, dma-buf heaps and udmabuf\n"
	"\n"
	"Each command takes --help.  Exit status: 0 clean, 1 a finding, 2 bad use.\n";

int cli_bad_use(const char *use, const char *fmt, const char *word)
{
	fputs("ipcfuzz: ", stderr);
	fprintf(stderr, fmt, word);
	fprintf(stderr, "\n%s", use);
	return 2;
}

long cli_parse_pos(const char *s, long hi)
{
	char *end;
	long v = strtol(s, &end, 10);
	return !*s || *end || v < 1 || v > hi ? -1 : v;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return cli_bad_use(usage, "%s", "no command given");
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(cmd, "list"))
		return cmd_list(argc - 1, argv + 1);
	if (!strcmp(cmd, "prog"))
		return cmd_prog(argc - 1, argv + 1);
	if (!strcmp(cmd, "fuzz"))
		return cmd_fuzz(argc - 1, argv + 1);
	if (!strcmp(cmd, "stress"))
		return cmd_stress(argc - 1, argv + 1);
	if (!strcmp(cmd, "campaign"))
		return cmd_campaign(argc - 1, argv + 1);
	if (!strcmp(cmd, "repro"))
		return cmd_repro(argc - 1, argv + 1);
	if (!strcmp(cmd, "vm"))
		return cmd_vm(argc - 1, argv + 1);
	if (!strcmp(cmd, "replay"))
		return replay_main(NULL, argc - 1, argv + 1);
	return cli_bad_use(usage, "unknown command '%s'", cmd);
}
