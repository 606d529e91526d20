/* Whether this kernel lets us use io_uring for a use path, and if not why:
 * io_uring_disabled by sysctl, io_uring_setup refused, or an opcode the
 * running kernel does not know (io_uring_get_probe).  Callers report a
 * non-NULL reason as "skipped", never as a failure and never as a pass. */
#ifndef IPCFUZZ_URING_PROBE_H
#define IPCFUZZ_URING_PROBE_H

#include <stdint.h>

/* NULL when every opcode in `ops` (URING_OP(...) bits) can be used, else the
 * reason.  The ring's own opcodes (linked timeout, cancel) are always
 * checked.  The answer is computed once per process and opcode set. */
const char *uring_probe(uint64_t ops);

#endif
