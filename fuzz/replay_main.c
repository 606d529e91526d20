/* Standalone replay driver: runs files or directories of inputs through the
 * harness with no fuzzing engine (ctest uses it for the corpus), each input
 * several times, so state leaking from one run into the next shows up as an
 * input whose outcome changes ("flaky"). */
#include "replay.h"

#include "harness.h"

int main(int argc, char **argv)
{
	return replay_main(IPCFUZZ_TARGET, argc, argv);
}
