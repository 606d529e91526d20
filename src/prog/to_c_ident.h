/* Identities in a C reproducer (src/prog/to_c.c): the helper that takes
 * one, written once into every reproducer whatever its mechanism.  Where
 * the actors are processes (mechanism.to_c_actors) a peer takes its
 * identity first thing (ident_take), as ipcfuzz's peers do; where one
 * process plays every actor it puts actor a's identity on around each of
 * a's ops (ident_enter / ident_leave: the saved uid stays the reproducer's,
 * the namespaces are entered with setns). */
#ifndef IPCFUZZ_TO_C_IDENT_H
#define IPCFUZZ_TO_C_IDENT_H

#include <stdio.h>

#include "prog.h"

int to_c_has_ident(const struct prog *p);
/* struct ident idents[ACTORS] and ident_take(a); with an ident op in p,
 * the rest (ident_init, ident_set, ident_enter, ident_leave, ...). */
void to_c_ident_helpers(FILE *f, const struct prog *p);
/* The C of an ident op (actors: actor_ident of common/actors_to_c.c). */
void to_c_ident_op(FILE *f, const struct op *op, int actors);

/* The C of a perm op (the owner and mode at run time) for a hook: on a
 * descriptor (fchown, fchmod), a path (chown, chmod), or a SysV object
 * (ctl's IPC_STAT, then IPC_SET of ds_type's ipc_perm member perm). */
void to_c_perm_fd(FILE *f, const struct op *op, const char *fd);
void to_c_perm_path(FILE *f, const struct op *op, const char *path);
void to_c_perm_ipc(FILE *f, const struct op *op, const char *ctl, const char *ds_type,
		   const char *perm);

#endif
