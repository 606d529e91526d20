/* sysv-shm: a SysV shared memory segment, found by key (or, for
 * IPC_PRIVATE, by its identifier).  A handle is one attachment (shmat): the
 * segment carries the records and their robust lock (common/shm_region),
 * comes in whole pages, counts its attachments (shm_nattch) and, removed
 * while attached, lives on until the last detach. */
#define _GNU_SOURCE
#include "mechanism.h"

#include "common/shm_region.h"

#include "../src/prog/to_c_ident.h"
#include "../src/audit/audit.h"
#include "../src/prog/ident.h"
#include "../src/sandbox/sandbox.h"
#include "../src/util/fault.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

static const char *sysv_shm_probe(void)
{
	return probe_needs("/proc/sysvipc/shm", "no SysV shared memory (CONFIG_SYSVIPC off)");
}

/* The segment: the header, then len record bytes; size 0 asks for an empty
 * segment, which shmget refuses (below SHMMIN). */
static size_t segment_bytes(unsigned len)
{
	return len ? SHM_HDR_BYTES + len : 0;
}

/* shmat, read-only when the join says so; the mapping is the segment
 * rounded up to whole pages, and the records may use all of it. */
static int attach(struct chan *c, int id)
{
	int ro = (c->open_flags & OPF_RDONLY) && !fault_on(FAULT_SHM_RO_WRITABLE);
	struct shmid_ds ds;

	void *p = shmat(id, NULL, ro ? SHM_RDONLY : 0);
	if (p == (void *)-1)
		return -errno;
	if (fault_on(FAULT_SHM_ATTACH_TWICE))
		shmat(id, NULL, SHM_RDONLY); /* an attachment nobody detaches */
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t segsz = shmctl(id, IPC_STAT, &ds) ? SHM_HDR_BYTES : ds.shm_segsz;
	c->map = p;
	c->map_len = (segsz + pg - 1) / pg * pg;
	c->size = (fault_on(FAULT_SHM_NO_ROUND) ? segsz : c->map_len) - SHM_HDR_BYTES;
	c->id = id;
	c->ends = OPF_READ | OPF_WRITE;
	audit_note_map(p, c->map_len);
	return 0;
}

static int sysv_shm_create(struct chan *c, struct obj_ref *ref, const struct op *op)
{
	key_t key = op_create_form(op) == NAME_PRIVATE ? IPC_PRIVATE : sandbox_sysv_key(op->obj);
	int mode = (int)op_create_mode(op), fresh = 1;
	size_t size = segment_bytes(op->len);

	/* Who made it decides who writes its header: a new segment is tried
	 * first (a key, not a race, here: programs run one op at a time). */
	int id = -1, creat = (op->flags & OPF_CREAT) || key == IPC_PRIVATE; /* always new */
	if (creat)
		id = shmget(key, size, mode | IPC_CREAT | IPC_EXCL);
	if (id < 0 && (!creat || (errno == EEXIST && !(op->flags & OPF_EXCL)))) {
		fresh = 0;
		id = shmget(key, size, mode);
	}
	if (id < 0)
		return fault_on(FAULT_SHM_SIZE_ERRNO) && errno == EINVAL ? -ENOSPC : -errno;
	ref->key = key;
	ref->id = id;
	int r = attach(c, id);
	if (r) {
		if (fresh) /* made, but not ours to use: nobody else can have it */
			shmctl(id, IPC_RMID, NULL);
		return r;
	}
	struct shm_header *h = c->map;
	if (fresh || h->magic != SHM_MAGIC)
		shm_header_init(c->map, op->len);
	ref->size = (uint32_t)c->size;
	return 0;
}

static int sysv_shm_join(struct chan *c, const struct obj_ref *ref)
{
	int id = ref->key == IPC_PRIVATE ? ref->id : shmget(ref->key, 0, 0);
	if (id < 0)
		return -errno;
	int r = attach(c, id);
	return fault_on(FAULT_ACCESS_ERRNO) && r == -EACCES ? -EPERM : r;
}

static int sysv_shm_close(struct chan *c, unsigned ends)
{
	(void)ends; /* one attachment: any close detaches it */
	if (c->map && !fault_on(FAULT_SHM_LEAK_MAP))
		shmdt(c->map);
	c->map = NULL;
	c->ends = 0;
	c->id = -1;
	return 0;
}

static int sysv_shm_destroy(struct chan *c, const struct obj_ref *ref)
{
	shm_guard_forget(ref);
	if (fault_on(FAULT_SHM_NO_RMID))
		return 0;
	return shmctl(c->id, IPC_RMID, NULL) ? -errno : 0;
}

static int64_t sysv_shm_control(struct chan *c, const struct op *op)
{
	struct shmid_ds ds;

	if (op->arg != OPT_NATTCH && op->arg != OPT_GUARD)
		return -ENOTSUP;
	/* guard: judged as a query, with IPC_STAT's read permission */
	if (shmctl(c->id, IPC_STAT, &ds))
		return -errno;
	return op->arg == OPT_GUARD ? shm_set_guard(c, op) : (int64_t)ds.shm_nattch;
}

/* IPC_STAT (read permission), then IPC_SET of the owner and mode. */
static int sysv_shm_set_perm(struct chan *c, const struct obj_ref *ref, uint32_t uid, uint32_t gid,
			     unsigned mode)
{
	struct shmid_ds ds;

	(void)ref;
	if (shmctl(c->id, IPC_STAT, &ds))
		return -errno;
	ds.shm_perm.uid = uid;
	ds.shm_perm.gid = gid;
	ds.shm_perm.mode = (unsigned short)mode;
	return shmctl(c->id, IPC_SET, &ds) ? -errno : 0;
}

/* ipc_perm: shmget(key, 0) asks nothing, shmat read-write (read for
 * SHM_RDONLY), loads and stores no check at all, IPC_STAT read. */
static const struct access_rule sysv_shm_access = {
	.perm = PERM_SYSV,
	.isolation = IDENT_NS_IPC,
	.join = 6,
	.send = 0,
	.recv = 0,
	.ctl = 4,
};

static int sysv_shm_exists(const struct obj_ref *ref)
{
	struct shmid_ds ds;
	return shmctl(ref->id, IPC_STAT, &ds) == 0;
}

extern const struct mechanism mech_sysv_shm;

/* Reproducer C (src/prog/to_c.h): the calls above, as text. */
static void sysv_shm_to_c(FILE *f, const struct op *op)
{
	if (!op) {
		shm_to_c_helpers(f);
		fprintf(f,
			"static long shm_attach(struct chan *c, int id, int ro)\n{\n"
			"\tstruct shmid_ds ds;\n"
			"\tvoid *p = shmat(id, NULL, ro ? SHM_RDONLY : 0);\n"
			"\tif (p == (void *)-1)\n\t\treturn -errno;\n"
			"\tsize_t pg = (size_t)sysconf(_SC_PAGESIZE);\n"
			"\tsize_t segsz = shmctl(id, IPC_STAT, &ds) ? HDR : ds.shm_segsz;\n"
			"\tc->map = p;\n\tc->map_len = (segsz + pg - 1) / pg * pg;\n"
			"\tc->size = c->map_len - HDR;\n\tc->id = id;\n"
			"\tc->ends = ro ? END_READ : END_READ | END_WRITE;\n\treturn 0;\n}\n\n"
			"/* A new segment is tried first, so the creator knows it made it. */\n"
			"static long shm_make(struct chan *c, struct ref *rf, int key, int flags,\n"
			"\t\t     size_t size, unsigned len)\n{\n"
			"\tint creat = (flags & IPC_CREAT) || key == IPC_PRIVATE, fresh = 1, id = "
			"-1;\n"
			"\tint mode = flags & 0777;\n"
			"\tif (creat)\n\t\tid = shmget(key, size, mode | IPC_CREAT | IPC_EXCL);\n"
			"\tif (id < 0 && (!creat || (errno == EEXIST && !(flags & IPC_EXCL)))) {\n"
			"\t\tfresh = 0;\n\t\tid = shmget(key, size, mode);\n\t}\n"
			"\tif (id < 0)\n\t\treturn -errno;\n"
			"\trf->key = key;\n\trf->id = id;\n"
			"\tlong r = shm_attach(c, id, 0);\n"
			"\tif (r) {\n\t\tif (fresh)\n\t\t\tshmctl(id, IPC_RMID, NULL);\n"
			"\t\treturn r;\n\t}\n"
			"\tif (fresh || ((struct shm_header *)c->map)->magic != SHM_MAGIC)\n"
			"\t\theader_init(c->map, len);\n"
			"\trf->size = c->size;\n\treturn 0;\n}\n");
		return;
	}
	if (op->kind == OP_PERM) {
		to_c_perm_ipc(f, op, "shmctl", "shmid_ds", "shm_perm");
		return;
	}
	if (shm_to_c_op(f, op, mech_sysv_shm.options))
		return;
	switch (op->kind) {
	case OP_CREATE:
		fprintf(f, "\t\tr = shm_make(c, rf, %s, 0%o%s%s, %zu, %u);\n",
			op_create_form(op) == NAME_PRIVATE ? "IPC_PRIVATE" : "rf->key",
			op_create_mode(op), op->flags & OPF_CREAT ? " | IPC_CREAT" : "",
			op->flags & OPF_EXCL ? " | IPC_EXCL" : "", segment_bytes(op->len), op->len);
		break;
	case OP_JOIN:
		fprintf(f,
			"\t\tint id = rf->key == IPC_PRIVATE ? rf->id : shmget(rf->key, 0, 0);\n"
			"\t\tr = id < 0 ? -errno : shm_attach(c, id, %d);\n",
			(op->flags & OPF_RDONLY) != 0);
		break;
	case OP_DESTROY:
		fprintf(f, "\t\tr = shmctl(c->id, IPC_RMID, NULL) ? -errno : 0;\n");
		break;
	}
}

const struct mechanism mech_sysv_shm = {
	.id = "sysv-shm",
	.summary = "SysV shared memory (shmget+shmat) with a robust process-shared lock",
	.cls = CLASS_SHARED_RECORDS,
	.join_path = JOIN_BY_NAME,
	.naming = NAMING_SYSV_KEY,
	.rdonly_join = true,
	.probe = sysv_shm_probe,
	.create = sysv_shm_create,
	.join = sysv_shm_join,
	.send = shm_send,
	.recv = shm_recv,
	.close = sysv_shm_close,
	.destroy = sysv_shm_destroy,
	.control = sysv_shm_control,
	.set_perm = sysv_shm_set_perm,
	.access = &sysv_shm_access,
	.exists = sysv_shm_exists,
	.stress = &shm_ring_stress,
	.to_c = sysv_shm_to_c,
	.options = 1ull << OPT_NATTCH | 1ull << OPT_GUARD,
};
