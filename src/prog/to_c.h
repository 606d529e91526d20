/* A program as a standalone C reproducer (as syzkaller's prog2c does): plain
 * syscalls, no ipcfuzz, and asserts on what ipcfuzz's model predicts for
 * every op, so a kernel or C library bug can be reported with one file.
 *
 * The shared part lives here (layout, handles, names, the payload generator,
 * the model's expectations, clean-up); each mechanism writes the C of its
 * own ops through its descriptor's `to_c` hook.  Code a hook writes runs
 * inside a block where these are in scope:
 *   struct chan *c   the actor's handle: int fd[2]; int id; void *map;
 *                    size_t map_len, size; unsigned ends (END_READ|END_WRITE)
 *   struct ref *rf   what finds the object: char name[300]; int key, id;
 *                    size_t size.  Before a create it holds the name and key
 *                    the op's name form gives; the hook sets what it learns.
 *   long r           the result to set: >= 0, or a negative errno
 *   uint8_t pay[]    send: the op's payload, already generated
 *   uint8_t buf[]    recv: where the data goes; int64_t mtype: its type
 *   long want_ret, int64_t want_mtype  the result and type the model
 *                    expects (a hook whose kernel
 *                    answer names a process maps this one to it: one
 *                    process stands in for every actor)
 * and the op's fields are written into the code as constants. */
#ifndef IPCFUZZ_TO_C_H
#define IPCFUZZ_TO_C_H

#include <stdint.h>
#include <stdio.h>

#include "../../targets/mechanism.h"
#include "prog.h"

/* 0, or -2 when the program uses what the reproducer cannot replay with
 * plain syscalls (an op the mechanism's to_c_refuses names, or a perm its
 * hook does not write); why (when not NULL) says what.  Identities are
 * replayed (to_c_ident.h). */
int prog_to_c_supported(const struct mechanism *m, const struct prog *p, const char **why);
/* Returns 0, -1 when the mechanism has no to_c hook, or -2 (above). */
int prog_to_c(FILE *f, const struct mechanism *m, const struct prog *p, const char *origin);
/* While a hook writes the C of a send: the payload ipcfuzz generates for
 * it, so the hook may write bytes derived from it as constants. */
const uint8_t *to_c_payload(void);

/* Where a mechanism's actors are processes of the reproducer's own
 * (mechanism.to_c_actors), an op that blocks is written in two parts, as
 * ipcfuzz runs it: started, then collected when it completes (or
 * interrupted: EINTR).  The hook asks which part it writes.  An actor that
 * ends (OP_KILL; arg 1: a fatal signal the model predicts) comes to the
 * hook as an OP_KILL before its handles are forgotten. */
enum to_c_phase { TO_C_RUN, TO_C_START, TO_C_COLLECT, TO_C_CANCEL };
enum to_c_phase to_c_phase(void);

#endif
