/* sysv-msg: SysV message queue, a bounded queue of typed messages found by
 * key (or, for IPC_PRIVATE, by the identifier itself). */
#define _GNU_SOURCE
#include "mechanism.h"

#include "common/sysv_ipc.h"

#include "../src/prog/to_c_ident.h"
#include "../src/prog/ident.h"
#include "../src/util/fault.h"
#include "../stress/stress.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>

/* msgbuf with room for the largest op: mtype then text.  One per thread:
 * the threaded stress mode sends and receives from several at once. */
static _Thread_local struct {
	long mtype;
	uint8_t text[IPCF_MAX_LEN + 1];
} msg;

static const char *sysv_msg_probe(void)
{
	return probe_needs("/proc/sysvipc/msg", "no SysV message queues (CONFIG_SYSVIPC off)");
}

static int sysv_msg_create(struct chan *c, struct obj_ref *ref, const struct op *op)
{
	key_t key = sysv_create_key(op);
	int r = sysv_hold(c, msgget(key, sysv_create_flags(op)));
	if (r)
		return r;
	ref->key = key;
	ref->id = c->id;
	return 0;
}

static int msg_by_key(key_t key)
{
	return msgget(key, 0);
}

static int sysv_msg_join(struct chan *c, const struct obj_ref *ref)
{
	return sysv_hold(c, sysv_join_id(ref, msg_by_key));
}

static ssize_t sysv_msg_send(struct chan *c, const struct op *op, const uint8_t *buf, size_t len)
{
	msg.mtype = op->arg;
	memcpy(msg.text, buf, len);
	if (msgsnd(c->id, &msg, len, op->flags & OPF_NOWAIT ? IPC_NOWAIT : 0))
		return fault_on(FAULT_ACCESS_ERRNO) && errno == EACCES ? -EPERM : -errno;
	return (ssize_t)len;
}

static ssize_t sysv_msg_recv(struct chan *c, const struct op *op, uint8_t *buf, size_t cap,
			     int64_t *mtype)
{
	long type = fault_on(FAULT_MSG_IGNORE_TYPE) ? 0 : op->arg;
	int flags = 0;

	if (op->flags & OPF_NOWAIT)
		flags |= IPC_NOWAIT;
	if (op->flags & OPF_NOERROR)
		flags |= MSG_NOERROR;
	if (op->flags & OPF_EXCEPT)
		flags |= MSG_EXCEPT;
	ssize_t n = msgrcv(c->id, &msg, cap, type, flags);
	if (n < 0)
		return fault_on(FAULT_MSG_BAD_ERRNO) && errno == E2BIG ? -EINVAL : -errno;
	memcpy(buf, msg.text, (size_t)n);
	*mtype = msg.mtype;
	return n;
}

static int sysv_msg_destroy(struct chan *c, const struct obj_ref *ref)
{
	(void)ref;
	if (fault_on(FAULT_MSG_NO_RMID))
		return 0;
	return msgctl(c->id, IPC_RMID, NULL) ? -errno : 0;
}

static int sysv_msg_setopt(struct chan *c, unsigned value)
{
	struct msqid_ds ds;

	if (msgctl(c->id, IPC_STAT, &ds))
		return -errno;
	ds.msg_qbytes = value;
	return msgctl(c->id, IPC_SET, &ds) ? -errno : 0;
}

/* IPC_SET takes msg_qbytes too, so the queue is read first (IPC_STAT,
 * which needs read permission) and its size written back unchanged. */
static int sysv_msg_set_perm(struct chan *c, const struct obj_ref *ref, uint32_t uid, uint32_t gid,
			     unsigned mode)
{
	struct msqid_ds ds;

	(void)ref;
	if (msgctl(c->id, IPC_STAT, &ds))
		return -errno;
	ds.msg_perm.uid = uid;
	ds.msg_perm.gid = gid;
	ds.msg_perm.mode = (unsigned short)mode;
	return msgctl(c->id, IPC_SET, &ds) ? -errno : 0;
}

/* ipc_perm: msgget(key, 0) asks nothing, msgsnd write, msgrcv read,
 * IPC_STAT (before every IPC_SET) read. */
static const struct access_rule sysv_msg_access = {
	.perm = PERM_SYSV,
	.isolation = IDENT_NS_IPC,
	.join = 0,
	.send = 2,
	.recv = 4,
	.ctl = 4,
};

static int sysv_msg_exists(const struct obj_ref *ref)
{
	struct msqid_ds ds;
	return msgctl(ref->id, IPC_STAT, &ds) == 0;
}

/* Reproducer C (src/prog/to_c.h): the same calls as above, as text. */
static void sysv_msg_to_c(FILE *f, const struct op *op)
{
	if (!op) {
		/* unused: a program whose data ops are all skipped */
		fprintf(f,
			"static struct {\n\tlong mtype;\n\tuint8_t text[%u];\n} msg "
			"__attribute__((unused));\n",
			IPCF_MAX_LEN + 1);
		return;
	}
	const char *nowait = op->flags & OPF_NOWAIT ? "IPC_NOWAIT" : "0";
	switch (op->kind) {
	case OP_CREATE:
		fprintf(f,
			"\t\trf->key = %s;\n"
			"\t\tint id = msgget(rf->key, 0%o%s%s);\n"
			"\t\tif (id < 0) {\n\t\t\tr = -errno;\n\t\t} else {\n"
			"\t\t\tc->id = rf->id = id;\n\t\t\tc->ends = END_READ | "
			"END_WRITE;\n\t\t}\n",
			op_create_form(op) == NAME_PRIVATE ? "IPC_PRIVATE" : "rf->key",
			op_create_mode(op), op->flags & OPF_CREAT ? " | IPC_CREAT" : "",
			op->flags & OPF_EXCL ? " | IPC_EXCL" : "");
		break;
	case OP_JOIN:
		fprintf(f, "\t\tint id = rf->key == IPC_PRIVATE ? rf->id : msgget(rf->key, 0);\n"
			   "\t\tif (id < 0) {\n\t\t\tr = -errno;\n\t\t} else {\n"
			   "\t\t\tc->id = id;\n\t\t\tc->ends = END_READ | END_WRITE;\n\t\t}\n");
		break;
	case OP_SEND:
		fprintf(f,
			"\t\tmsg.mtype = %d;\n\t\tmemcpy(msg.text, pay, %u);\n"
			"\t\tr = msgsnd(c->id, &msg, %u, %s) ? -errno : %u;\n",
			op->arg, op->len, op->len, nowait, op->len);
		break;
	case OP_RECV:
		fprintf(f,
			"\t\tr = msgrcv(c->id, &msg, %u, %d, %s%s%s);\n"
			"\t\tif (r < 0) {\n\t\t\tr = -errno;\n\t\t} else {\n"
			"\t\t\tmemcpy(buf, msg.text, (size_t)r);\n\t\t\tmtype = "
			"msg.mtype;\n\t\t}\n",
			op->len, op->arg, nowait, op->flags & OPF_NOERROR ? " | MSG_NOERROR" : "",
			op->flags & OPF_EXCEPT ? " | MSG_EXCEPT" : "");
		break;
	case OP_CLOSE:
		fprintf(f, "\t\tc->ends = 0; /* an id is not a descriptor: forget it */\n"
			   "\t\tc->id = -1;\n");
		break;
	case OP_DESTROY:
		fprintf(f, "\t\tr = msgctl(c->id, IPC_RMID, NULL) ? -errno : 0;\n");
		break;
	case OP_PERM:
		to_c_perm_ipc(f, op, "msgctl", "msqid_ds", "msg_perm");
		break;
	case OP_SETOPT:
		fprintf(f,
			"\t\tstruct msqid_ds ds;\n"
			"\t\tif (msgctl(c->id, IPC_STAT, &ds)) {\n\t\t\tr = -errno;\n\t\t} else {\n"
			"\t\t\tds.msg_qbytes = %u;\n"
			"\t\t\tr = msgctl(c->id, IPC_SET, &ds) ? -errno : 0;\n\t\t}\n",
			op->len);
		break;
	}
}

/* One frame per message, up to the default msgmax. */
/* Every frame is a message of type 1 (msgrcv's msgtyp 0 takes any). */
static const struct stress_profile sysv_msg_stress = {
	.kind = STRESS_MESSAGES, .max_frame = 8192, .send_arg = 1};

const struct mechanism mech_sysv_msg = {
	.id = "sysv-msg",
	.summary = "SysV message queue (msgget/msgsnd/msgrcv): typed bounded queue",
	.cls = CLASS_TYPED_QUEUE,
	.join_path = JOIN_BY_NAME,
	.naming = NAMING_SYSV_KEY,
	.probe = sysv_msg_probe,
	.create = sysv_msg_create,
	.join = sysv_msg_join,
	.send = sysv_msg_send,
	.recv = sysv_msg_recv,
	.close = sysv_close,
	.destroy = sysv_msg_destroy,
	.setopt = sysv_msg_setopt,
	.to_c = sysv_msg_to_c,
	.set_perm = sysv_msg_set_perm,
	.access = &sysv_msg_access,
	.exists = sysv_msg_exists,
	.stress = &sysv_msg_stress,
};
