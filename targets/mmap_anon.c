/* mmap-anon: an anonymous mapping, MAP_SHARED|MAP_ANONYMOUS (create
 * name=slot) or MAP_PRIVATE|MAP_ANONYMOUS (create name=private).  It has no
 * name and no descriptor: only a child forked by its holder shares it
 * (`send ... fork` writes from one), and a private mapping stays private
 * (copy-on-write).  The records and their lock are common/shm_region's. */
#define _GNU_SOURCE
#include "mechanism.h"

#include "common/shm_region.h"

#include "../src/audit/audit.h"
#include "../src/util/fault.h"

#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>

static const char *mmap_anon_probe(void)
{
	return NULL; /* every Linux has it */
}

static int mmap_anon_create(struct chan *c, struct obj_ref *ref, const struct op *op)
{
	size_t len = SHM_HDR_BYTES + op->len;
	int share = op_create_form(op) == NAME_PRIVATE && !fault_on(FAULT_SHM_PRIVATE_SHARED)
			    ? MAP_PRIVATE
			    : MAP_SHARED;

	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, share | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	audit_note_map(p, len);
	shm_header_init(p, op->len);
	c->map = p;
	c->map_len = len;
	c->size = op->len;
	c->role = share == MAP_PRIVATE ? SHM_ROLE_PRIVATE : 0;
	c->ends = OPF_READ | OPF_WRITE;
	ref->id = -1;
	ref->size = op->len;
	return 0;
}

/* A peer has nothing to inherit: there is no descriptor to pass. */
static int mmap_anon_join(struct chan *c, const struct obj_ref *ref)
{
	(void)c;
	(void)ref;
	return -EBADF;
}

static int mmap_anon_destroy(struct chan *c, const struct obj_ref *ref)
{
	(void)c;
	shm_guard_forget(ref);
	return 0; /* it goes with its last mapping */
}

/* setopt guard only: there is no descriptor to truncate. */
static int64_t mmap_anon_control(struct chan *c, const struct op *op)
{
	return op->arg == OPT_GUARD ? shm_set_guard(c, op) : -ENOTSUP;
}

extern const struct mechanism mech_mmap_anon;

/* Reproducer C (src/prog/to_c.h): the calls above, as text. */
static void mmap_anon_to_c(FILE *f, const struct op *op)
{
	if (shm_to_c_op(f, op, mech_mmap_anon.options))
		return;
	switch (op->kind) {
	case OP_CREATE:
		fprintf(f,
			"\t\tvoid *p = mmap(NULL, HDR + %u, PROT_READ | PROT_WRITE, %s | "
			"MAP_ANONYMOUS, -1, 0);\n"
			"\t\tif (p == MAP_FAILED) {\n\t\t\tr = -errno;\n\t\t} else {\n"
			"\t\t\theader_init(p, %u);\n\t\t\tc->map = p;\n\t\t\tc->map_len = HDR + "
			"%u;\n"
			"\t\t\tc->size = %u;\n\t\t\tc->ends = END_READ | END_WRITE;\n\t\t}\n",
			op->len, op_create_form(op) == NAME_PRIVATE ? "MAP_PRIVATE" : "MAP_SHARED",
			op->len, op->len, op->len);
		break;
	case OP_JOIN:
		fprintf(f, "\t\tr = -EBADF; /* no descriptor to inherit */\n");
		break;
	case OP_DESTROY:
		fprintf(f, "\t\tr = 0; /* it goes with its last mapping */\n");
		break;
	}
}

const struct mechanism mech_mmap_anon = {
	.id = "mmap-anon",
	.summary = "anonymous mmap (MAP_SHARED or MAP_PRIVATE), shared with forked children only",
	.cls = CLASS_SHARED_RECORDS,
	.join_path = JOIN_BY_INHERIT,
	.naming = NAMING_NONE,
	.rdonly_join = true,
	.probe = mmap_anon_probe,
	.create = mmap_anon_create,
	.join = mmap_anon_join,
	.send = shm_send,
	.recv = shm_recv,
	.close = shm_close,
	.destroy = mmap_anon_destroy,
	.to_c = mmap_anon_to_c,
	.stress = &shm_ring_stress,
	.fdless = 1,
	.cow_private = 1,
	.control = mmap_anon_control,
	.options = 1ull << OPT_GUARD,
};
