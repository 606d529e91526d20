/* ipcfuzz-peer: the peer zygote of the fuzzing builds, compiled without
 * sanitizers or coverage so that forking a peer is cheap (src/exec/peer.c,
 * zygote_exec_lean, says why).  Only an executor starts it. */
#include "../src/exec/peer.h"

int main(int argc, char **argv)
{
	return peer_lean_zygote_main(argc, argv);
}
