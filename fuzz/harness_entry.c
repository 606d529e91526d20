/* LLVMFuzzerTestOneInput for one target (IPCFUZZ_TARGET names it at build
 * time), for libFuzzer and for AFL++'s libFuzzer driver.  A finding prints
 * its report and aborts, so every engine records the input as a crash. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Under AFL++ the driver attaches its SysV shared memory (the input
	 * buffer) after this, so entering a private IPC namespace now would hide
	 * it: set up on the first input instead, in the forked child. */
	if (!getenv("__AFL_SHM_ID"))
		harness_init(IPCFUZZ_TARGET);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct report r;

	/* AFL++'s driver may call us without the initializer. */
	harness_init(IPCFUZZ_TARGET);
	if (harness_run(data, size, &r)) {
		fputs(r.text, stderr);
		fflush(stderr);
		abort();
	}
	return 0;
}
