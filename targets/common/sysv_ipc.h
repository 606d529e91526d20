/* What the SysV targets (sysv-msg, sysv-sem) share around msgget/semget:
 * create's key and flag word, and a handle that is an identifier. */
#ifndef IPCFUZZ_SYSV_IPC_H
#define IPCFUZZ_SYSV_IPC_H

#include "../mechanism.h"

#include <sys/ipc.h>

/* IPC_PRIVATE, or the slot's key. */
key_t sysv_create_key(const struct op *op);
/* The create's mode with IPC_CREAT / IPC_EXCL as its flags say. */
int sysv_create_flags(const struct op *op);
/* A join: an IPC_PRIVATE object's id travels in ref, a key is looked up. */
int sysv_join_id(const struct obj_ref *ref, int (*get)(key_t key));
/* The handle holds id (a negative id: -errno, nothing held). */
int sysv_hold(struct chan *c, int id);
/* An id is not a descriptor: closing is forgetting it. */
int sysv_close(struct chan *c, unsigned ends);

#endif
