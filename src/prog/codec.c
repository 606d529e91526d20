/* Binary codec: fixed 8-byte records, so that mutations stay local and every
 * byte string is a program.  Missing trailing bytes read as zero. */
#include "prog.h"

#include "ident.h"

#include <string.h>

/* Weights of the op kinds, out of 256: the fuzzer mostly moves data,
 * sometimes reshapes the topology, and rarely kills a peer or changes an
 * actor's identity (both restart a peer, the most expensive thing an
 * iteration can do; the end of a program restarts it again). */
static const uint8_t kind_weight[OP_KIND_COUNT] = {
	[OP_CREATE] = 32,  [OP_JOIN] = 24,   [OP_SEND] = 71, [OP_RECV] = 72, [OP_CLOSE] = 16,
	[OP_DESTROY] = 16, [OP_SETOPT] = 16, [OP_KILL] = 1,  [OP_IDENT] = 2, [OP_PERM] = 6,
};

/* kind_table[b] is the kind of an op whose first byte is b. */
static uint8_t kind_table[256];

static void kind_table_init(void)
{
	unsigned b = 0;

	if (kind_table[255] || kind_table[0])
		return;
	for (unsigned k = 0; k < OP_KIND_COUNT; k++)
		for (unsigned n = 0; n < kind_weight[k] && b < 256; n++)
			kind_table[b++] = (uint8_t)k;
	while (b < 256)
		kind_table[b++] = OP_SEND;
}

/* The executor acts in three ops of four: its ops need no round trip to a
 * peer (~20-50 us each), and most semantics need only one process. */
static const uint8_t actor_table[8] = {0, 0, 0, 0, 0, 0, 1, 2};

void op_normalize(struct op *op)
{
	op->kind %= OP_KIND_COUNT;
	op->actor %= IPCF_ACTORS;
	op->obj %= IPCF_OBJS;
	if (op->len > IPCF_MAX_LEN)
		op->len &= 0xff; /* as the decoder reads a raw length with bit 15 set */
	switch (op->kind) {
	case OP_CREATE: {
		unsigned form = op_create_form(op) % NAME_FORM_COUNT;
		op->flags &= OPF_CREAT | OPF_EXCL;
		op->seed = 0;
		op->arg = op_create_arg(form, op_create_mode(op));
		break;
	}
	case OP_JOIN:
	case OP_DESTROY:
		/* join: which ends, and O_NONBLOCK (a FIFO's open rules) */
		op->flags &= op->kind == OP_JOIN ? OPF_READ | OPF_WRITE | OPF_NOWAIT : 0;
		op->seed = 0;
		op->len = 0;
		op->arg = 0;
		break;
	case OP_SEND:
		op->flags &= OPF_NOWAIT | OPF_URING | OPF_QUEUE | OPF_THREAD | OPF_RIGHTS |
			     OPF_CREDS | OPF_FORK;
		break;
	case OP_RECV:
		op->flags &= OPF_NOWAIT | OPF_NOERROR | OPF_EXCEPT | OPF_URING | OPF_FD |
			     OPF_HANDLER | OPF_SIG | OPF_PEEK;
		op->seed = op->flags & OPF_URING ? op->seed % VIA_COUNT : 0;
		break;
	case OP_CLOSE:
		op->flags &= OPF_READ | OPF_WRITE;
		if (!op->flags)
			op->flags = OPF_READ | OPF_WRITE;
		op->seed = 0;
		op->len = 0;
		op->arg = 0;
		break;
	case OP_SETOPT:
		op->flags = 0;
		op->seed = 0;
		op->arg = (int16_t)((uint16_t)op->arg % OPT_COUNT);
		break;
	case OP_IDENT:
		op->obj = 0;
		op->flags = 0;
		op->len &= IDENT_NS_MASK | IDENT_NOCAP;
		op->arg = (int16_t)op_ident_umask(op);
		if (op->actor == 0) {
			/* The executor stays itself (it must clean up as it
			 * started): of an identity it takes only the umask. */
			op->seed = 0;
			op->len = 0;
		} else if (op_ident_uid(op) != 0) {
			op->len &= (uint16_t)~IDENT_NOCAP; /* setuid drops them anyway */
		}
		break;
	case OP_PERM:
		op->flags = 0;
		op->seed = 0;
		op->len = 0;
		op->arg = op_perm_arg(op_perm_mode(op), op_perm_uid(op), op_perm_gid(op));
		break;
	case OP_KILL:
		if (op->actor == 0)
			op->actor = 1;
		op->obj = 0;
		op->flags = 0;
		op->seed = 0;
		op->len = 0;
		op->arg = 0;
		break;
	}
}

void prog_decode(const uint8_t *data, size_t size, struct prog *p)
{
	size_t nops = (size + IPCF_OP_BYTES - 1) / IPCF_OP_BYTES;

	if (nops > IPCF_MAX_OPS)
		nops = IPCF_MAX_OPS;
	kind_table_init();
	p->n = nops;
	for (size_t i = 0; i < nops; i++) {
		uint8_t r[IPCF_OP_BYTES] = {0};
		size_t off = i * IPCF_OP_BYTES;
		size_t take = size - off < IPCF_OP_BYTES ? size - off : IPCF_OP_BYTES;
		struct op *op = &p->ops[i];

		memcpy(r, data + off, take);
		op->kind = kind_table[r[0]];
		op->actor = actor_table[r[1] & 7];
		op->obj = (r[1] >> 3) & 3;
		op->flags = r[2];
		op->seed = r[3];
		/* A raw length with bit 15 set is small (op_normalize keeps its low
		 * byte): half of all inputs stay near the edges at zero, where bugs
		 * are and copies are cheap; the rest span 0..32767. */
		op->len = (uint16_t)(r[4] | r[5] << 8);
		op->arg = (int16_t)(uint16_t)(r[6] | r[7] << 8);
		op_normalize(op);
	}
}

static uint8_t kind_code(unsigned kind)
{
	kind_table_init();
	for (unsigned i = 0; i < sizeof kind_table; i++)
		if (kind_table[i] == kind)
			return (uint8_t)i;
	return 0;
}

static uint8_t actor_code(unsigned actor)
{
	for (unsigned i = 0; i < sizeof actor_table; i++)
		if (actor_table[i] == actor)
			return (uint8_t)i;
	return 0;
}

size_t prog_encode(const struct prog *p, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n && n + IPCF_OP_BYTES <= cap; i++) {
		const struct op *op = &p->ops[i];
		uint16_t arg = (uint16_t)op->arg;

		out[n++] = kind_code(op->kind);
		out[n++] = (uint8_t)(actor_code(op->actor) | (op->obj & 3) << 3);
		out[n++] = op->flags;
		out[n++] = op->seed;
		out[n++] = (uint8_t)(op->len & 0xff);
		out[n++] = (uint8_t)(op->len >> 8);
		out[n++] = (uint8_t)(arg & 0xff);
		out[n++] = (uint8_t)(arg >> 8);
	}
	return n;
}
