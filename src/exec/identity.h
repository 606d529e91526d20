/* An actor's identity (OP_IDENT): a peer takes it in its own process before
 * its first op, the executor takes only the umask.  The access model
 * (src/model/access.c) predicts what each identity may do. */
#ifndef IPCFUZZ_IDENTITY_H
#define IPCFUZZ_IDENTITY_H

#include <stdbool.h>

#include "../audit/ns_audit.h"
#include "../../targets/mechanism.h"
#include "../prog/prog.h"

/* Enters the namespaces, then drops to the groups, gid and uid (and, for
 * uid 0, the capabilities) of ident.  0 or -errno of the step that failed;
 * a failed peer is killed, never used half-changed.  Of the namespaces it
 * asks for, only those m's names live in (mechanism_namespaces) are made: the
 * others could change nothing the mechanism or its model sees, and a
 * network namespace costs more than the rest of a program.  A process
 * that may not unshare still tries them all, to get the EPERM.  `made`
 * gets what the namespaces it made hold (ns_audit.h).  lent_netns (or -1):
 * a network namespace lent by the executor's pool (netns_pool.h), joined in
 * place of a new one when it holds no socket; *lent says what became of it
 * (1 joined, -1 found used, 0 not needed). */
int identity_apply(const struct op *ident, const struct mechanism *m, struct audit_ns *made,
		   int lent_netns, int *lent);
/* The namespaces identity_apply makes for ident (when it may). */
unsigned identity_namespaces(const struct op *ident, unsigned visible);

/* Does the identity give the actor namespaces of its own among `ns`
 * (IDENT_NS_* bits)?  Its objects there die with it, not by the executor. */
bool identity_private(const struct op *ident, unsigned ns);

#endif
