/* ipcfuzz vm -- COMMAND: a thin wrapper over ci/vm.sh, the one
 * implementation of the guest runner (fetch, initramfs, qemu, exit status). */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"usage: ipcfuzz vm [--prepare|--check] [--] COMMAND [ARG...]\n"
	"Runs COMMAND in a Debian 6.12 guest kernel (qemu) that has Binder, dma-buf\n"
	"heaps and udmabuf, with this tree and the host's /usr mounted read-only;\n"
	"prints its output and exits with its status (125: the guest gave none).\n"
	"See ci/vm.sh --help for the cache and the environment it honours.\n";

int cmd_vm(int argc, char **argv)
{
	char script[4096];

	if (argc < 2)
		return cli_bad_use(usage, "vm: %s", "no command given");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, stdout);
		return 0;
	}
	snprintf(script, sizeof script, "%s/ci/vm.sh", IPCFUZZ_SOURCE_DIR);
	argv[0] = script; /* the rest is ci/vm.sh's own command line */
	execv(script, argv);
	perror(script);
	return 2;
}
