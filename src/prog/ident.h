/* Identities in programs: how OP_IDENT (an actor takes another identity) and
 * OP_PERM (IPC_SET / fchown+fchmod at run time) pack uids, gids, groups,
 * namespaces and modes into an op's fields.
 *
 * Ids come from a small table rather than from 32 raw bits: what access
 * rules care about is whether two ids are equal, whether one is 0, and group
 * membership, and four values make all of those relations common under
 * mutation. */
#ifndef IPCFUZZ_IDENT_H
#define IPCFUZZ_IDENT_H

#include <stdbool.h>
#include <stdint.h>

#include "prog.h"

#define IDENT_IDS 4 /* table size of uids, gids and groups (2 bits each) */

/* Root, two users who share nothing, and the overflow id nobody. */
static inline uint32_t ident_id(unsigned index)
{
	static const uint32_t ids[IDENT_IDS] = {0, 1000, 1001, 65534};
	return ids[index % IDENT_IDS];
}

/* The table index of id, or -1 (the text parser). */
static inline int ident_index(uint32_t id)
{
	for (unsigned i = 0; i < IDENT_IDS; i++)
		if (ident_id(i) == id)
			return (int)i;
	return -1;
}

/* Namespaces an identity's actor lives in besides the sandbox's own: each
 * bit is a fresh namespace of that kind, new at every (re)start. */
enum ident_ns {
	IDENT_NS_IPC = 1u << 0, /* SysV keys and ids, POSIX mqueues */
	IDENT_NS_NET = 1u << 1, /* abstract UNIX names, loopback ports */
	IDENT_NS_MNT = 1u << 2, /* a private /dev/shm (and every path) */
	IDENT_NS_MASK = 7u,
};
#define IDENT_NOCAP 8u /* uid 0 without capabilities (len bit 3) */

/* OP_IDENT: seed = uid | gid << 2 | groups << 4 (groups: a mask over the
 * table), len = namespaces | IDENT_NOCAP, arg = umask. */
static inline unsigned op_ident_uid(const struct op *op)
{
	return op->seed & 3u;
}
static inline unsigned op_ident_gid(const struct op *op)
{
	return (op->seed >> 2) & 3u;
}
static inline unsigned op_ident_groups(const struct op *op)
{
	return (op->seed >> 4) & 15u;
}
static inline unsigned op_ident_ns(const struct op *op)
{
	return op->len & IDENT_NS_MASK;
}
static inline bool op_ident_nocap(const struct op *op)
{
	return (op->len & IDENT_NOCAP) != 0;
}
static inline unsigned op_ident_umask(const struct op *op)
{
	return (uint16_t)op->arg & 0777u;
}
static inline uint8_t op_ident_seed(unsigned uid, unsigned gid, unsigned groups)
{
	return (uint8_t)((uid & 3u) | (gid & 3u) << 2 | (groups & 15u) << 4);
}

/* OP_PERM: arg = mode | uid << 9 | gid << 11: the owner and mode to set. */
static inline unsigned op_perm_mode(const struct op *op)
{
	return (uint16_t)op->arg & 0777u;
}
static inline unsigned op_perm_uid(const struct op *op)
{
	return ((uint16_t)op->arg >> 9) & 3u;
}
static inline unsigned op_perm_gid(const struct op *op)
{
	return ((uint16_t)op->arg >> 11) & 3u;
}
static inline int16_t op_perm_arg(unsigned mode, unsigned uid, unsigned gid)
{
	return (int16_t)(uint16_t)((mode & 0777u) | (uid & 3u) << 9 | (gid & 3u) << 11);
}

#endif
