#include "sysv_ipc.h"

#include "../../src/sandbox/sandbox.h"

#include <errno.h>

key_t sysv_create_key(const struct op *op)
{
	return op_create_form(op) == NAME_PRIVATE ? IPC_PRIVATE : sandbox_sysv_key(op->obj);
}

int sysv_create_flags(const struct op *op)
{
	int flags = (int)op_create_mode(op);

	if (op->flags & OPF_CREAT)
		flags |= IPC_CREAT;
	if (op->flags & OPF_EXCL)
		flags |= IPC_EXCL;
	return flags;
}

int sysv_join_id(const struct obj_ref *ref, int (*get)(key_t key))
{
	return ref->key == IPC_PRIVATE ? ref->id : get(ref->key);
}

int sysv_hold(struct chan *c, int id)
{
	if (id < 0)
		return -errno;
	c->id = id;
	c->ends = OPF_READ | OPF_WRITE;
	return 0;
}

int sysv_close(struct chan *c, unsigned ends)
{
	(void)ends;
	c->ends = 0;
	c->id = -1;
	return 0;
}
