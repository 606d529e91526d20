/* Text form of programs: one op a line, "kind aN oN key=value flag ...".
 * Written for people who edit crash files, so the parser is strict and says
 * which line and which word it did not accept. */
#include "prog.h"

#include "ident.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[OP_KIND_COUNT] = {
	[OP_CREATE] = "create", [OP_JOIN] = "join",   [OP_SEND] = "send",
	[OP_RECV] = "recv",	[OP_CLOSE] = "close", [OP_DESTROY] = "destroy",
	[OP_SETOPT] = "setopt", [OP_KILL] = "kill",   [OP_IDENT] = "ident",
	[OP_PERM] = "perm",
};

static const char *const ns_names[] = {"ipc", "net", "mnt"}; /* IDENT_NS_* bits */

static const char *const form_names[NAME_FORM_COUNT] = {
	[NAME_SLOT] = "slot",	[NAME_PRIVATE] = "private", [NAME_EMPTY] = "empty",
	[NAME_SLASH] = "slash", [NAME_LONG] = "long",
};

/* Flag words, and the kinds each belongs to (a bit means different things
 * to different kinds). */
#define K(kind) (1u << (kind))
static const char *const via_names[VIA_COUNT] = {
	[VIA_READ] = "read",
	[VIA_SPLICE] = "splice",
	[VIA_TEE] = "tee",
};

static const struct {
	const char *name;
	uint8_t bit;
	unsigned kinds;
} flag_names[] = {
	{"nowait", OPF_NOWAIT, K(OP_SEND) | K(OP_RECV) | K(OP_JOIN)},
	{"noerror", OPF_NOERROR, K(OP_RECV)},
	{"except", OPF_EXCEPT, K(OP_RECV)},
	{"creat", OPF_CREAT, K(OP_CREATE)},
	{"excl", OPF_EXCL, K(OP_CREATE)},
	{"read", OPF_READ, K(OP_CLOSE) | K(OP_JOIN)},
	{"write", OPF_WRITE, K(OP_CLOSE) | K(OP_JOIN)},
	{"uring", OPF_URING, K(OP_SEND) | K(OP_RECV)},
	{"queue", OPF_QUEUE, K(OP_SEND)},
	{"thread", OPF_THREAD, K(OP_SEND)},
	{"fd", OPF_FD, K(OP_RECV)},
	{"handler", OPF_HANDLER, K(OP_RECV)},
	{"sig", OPF_SIG, K(OP_RECV)},
	{"peek", OPF_PEEK, K(OP_RECV)},
	{"rights", OPF_RIGHTS, K(OP_SEND)},
	{"creds", OPF_CREDS, K(OP_SEND)},
	{"rdonly", OPF_RDONLY, K(OP_JOIN)},
	{"fork", OPF_FORK, K(OP_SEND)},
};

/* clang-format off */
static const char *const opt_names[OPT_COUNT] = {
	[OPT_SIZE] = "size",	       [OPT_BLOCK] = "block",
	[OPT_UNBLOCK] = "unblock",     [OPT_CATCH] = "catch",
	[OPT_IGNORE] = "ignore",       [OPT_DEFAULT] = "default",
	[OPT_RLIMIT] = "rlimit",       [OPT_RAW] = "raw",
	[OPT_SANE] = "sane",	       [OPT_IFLAG_ON] = "iflag-on",
	[OPT_IFLAG_OFF] = "iflag-off", [OPT_OFLAG_ON] = "oflag-on",
	[OPT_OFLAG_OFF] = "oflag-off", [OPT_LFLAG_ON] = "lflag-on",
	[OPT_LFLAG_OFF] = "lflag-off", [OPT_CC] = "cc",
	[OPT_WINSZ] = "winsz",	       [OPT_CTTY] = "ctty",
	[OPT_FLUSH] = "flush",	       [OPT_NONBLOCK] = "nonblock",
	[OPT_NOTIFY] = "notify",       [OPT_SHUTDOWN] = "shutdown",
	/* shared memory */
	[OPT_NATTCH] = "nattch",       [OPT_TRUNCATE] = "truncate",
	[OPT_SEAL_WRITE] = "seal-write", [OPT_SEAL_SHRINK] = "seal-shrink",
	[OPT_SEAL_GROW] = "seal-grow", [OPT_SEAL_SEAL] = "seal-seal",
	/* sockets: access */
	[OPT_PEERCRED] = "peercred",
	/* sync */
	[OPT_GUARD] = "guard",	       [OPT_GETVAL] = "getval",
	[OPT_SETVAL] = "setval",       [OPT_SEMSTAT] = "semstat",
	[OPT_UNDO] = "undo",
};
/* clang-format on */

/* Which key=value fields each kind carries (and so prints and accepts). */
enum field {
	F_LEN = 1,
	F_ARG = 2,
	F_SEED = 4,
	F_CREATE = 8,
	F_VALUE = 16,
	F_OBJ = 32,
	F_IDENT = 64,
	F_PERM = 128,
	F_OPT = 256,
};
static const unsigned kind_fields[OP_KIND_COUNT] = {
	[OP_CREATE] = F_OBJ | F_CREATE,
	[OP_JOIN] = F_OBJ,
	[OP_SEND] = F_OBJ | F_LEN | F_ARG | F_SEED,
	[OP_RECV] = F_OBJ | F_LEN | F_ARG,
	[OP_CLOSE] = F_OBJ,
	[OP_DESTROY] = F_OBJ,
	[OP_SETOPT] = F_OBJ | F_OPT | F_VALUE,
	[OP_KILL] = 0,
	[OP_IDENT] = F_IDENT,
	[OP_PERM] = F_OBJ | F_PERM,
};

const char *op_kind_name(unsigned kind)
{
	return kind < OP_KIND_COUNT ? kind_names[kind] : "?";
}

const char *setopt_opt_name(unsigned opt)
{
	return opt < OPT_COUNT ? opt_names[opt] : "?";
}

struct out {
	char *buf;
	size_t cap, len;
};

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	size_t room = o->len < o->cap ? o->cap - o->len : 0;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

/* "uid=1000 gid=1000 groups=1001,65534 umask=022 ns=ipc,mnt caps=none" */
static void format_ident(struct out *o, const struct op *op)
{
	unsigned groups = op_ident_groups(op), ns = op_ident_ns(op);

	put(o, " uid=%u gid=%u", ident_id(op_ident_uid(op)), ident_id(op_ident_gid(op)));
	for (unsigned i = 0; i < IDENT_IDS; i++)
		if (groups & (1u << i))
			put(o, "%s%u", groups & ((1u << i) - 1) ? "," : " groups=", ident_id(i));
	put(o, " umask=0%o", op_ident_umask(op));
	for (unsigned i = 0; i < 3; i++)
		if (ns & (1u << i))
			put(o, "%s%s", ns & ((1u << i) - 1) ? "," : " ns=", ns_names[i]);
	if (op_ident_nocap(op))
		put(o, " caps=none");
}

static void format_into(struct out *o, const struct op *op)
{
	unsigned f = kind_fields[op->kind % OP_KIND_COUNT];

	put(o, "%s a%u", op_kind_name(op->kind), op->actor);
	if (f & F_OBJ)
		put(o, " o%u", op->obj);
	if (f & F_CREATE)
		put(o, " name=%s mode=0%o size=%u",
		    form_names[op_create_form(op) % NAME_FORM_COUNT], op_create_mode(op), op->len);
	if (f & F_LEN)
		put(o, " len=%u", op->len);
	if (f & F_ARG)
		put(o, " arg=%d", op->arg);
	if (f & F_SEED)
		put(o, " seed=%u", op->seed);
	/* The capacity option is the old default: printed without opt=. */
	if ((f & F_OPT) && op->arg != OPT_SIZE)
		put(o, " opt=%s", setopt_opt_name((unsigned)op->arg));
	if (f & F_VALUE)
		put(o, " value=%u", op->len);
	if (op->kind == OP_RECV && op->seed)
		put(o, " via=%s", via_names[op->seed % VIA_COUNT]);
	if (f & F_IDENT)
		format_ident(o, op);
	if (f & F_PERM)
		put(o, " uid=%u gid=%u mode=0%o", ident_id(op_perm_uid(op)),
		    ident_id(op_perm_gid(op)), op_perm_mode(op));
	/* A bit with a second name for the kind (join: read, rdonly) is
	 * printed once, by its first name; the parser takes either. */
	unsigned printed = 0;
	for (size_t i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++)
		if ((op->flags & flag_names[i].bit) && (flag_names[i].kinds & K(op->kind)) &&
		    !(printed & flag_names[i].bit)) {
			put(o, " %s", flag_names[i].name);
			printed |= flag_names[i].bit;
		}
}

size_t op_format(const struct op *op, char *buf, size_t cap)
{
	struct out o = {buf, cap, 0};

	if (cap)
		buf[0] = 0;
	format_into(&o, op);
	return o.len;
}

size_t prog_format(const struct prog *p, char *buf, size_t cap)
{
	struct out o = {buf, cap, 0};

	if (cap)
		buf[0] = 0;
	for (size_t i = 0; i < p->n; i++) {
		format_into(&o, &p->ops[i]);
		put(&o, "\n");
	}
	return o.len;
}

static int fail(char *err, size_t cap, unsigned line, const char *fmt, const char *word)
{
	char why[160];

	snprintf(why, sizeof why, fmt, word);
	snprintf(err, cap, "line %u: %s", line, why);
	return -1;
}

/* Parses a decimal or 0-prefixed octal/0x hex integer within [lo, hi]. */
static int parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;

	errno = 0;
	long v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int lookup(const char *const *names, unsigned count, const char *word)
{
	for (unsigned i = 0; i < count; i++)
		if (names[i] && !strcmp(names[i], word))
			return (int)i;
	return -1;
}

/* An id of the identity table, by value ("1000"). */
static int parse_id(const char *s)
{
	long v;
	return parse_int(s, 0, UINT32_MAX, &v) ? -1 : ident_index((uint32_t)v);
}

/* A comma list of words from names[] (or "none") as a bit mask, or -1. */
static int parse_set(const char *val, int (*item)(const char *))
{
	char buf[64], *save = NULL;
	int mask = 0;

	if (!strcmp(val, "none"))
		return 0;
	snprintf(buf, sizeof buf, "%s", val);
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		int i = item(w);
		if (i < 0)
			return -1;
		mask |= 1 << i;
	}
	return mask;
}

static int ns_index(const char *w)
{
	return lookup(ns_names, 3, w);
}

/* ident's and perm's words; 1 when key is not one of them. */
static int parse_ident_word(struct op *op, unsigned f, const char *key, const char *val)
{
	int v = -1;
	long n;

	if (!strcmp(key, "uid") || !strcmp(key, "gid")) {
		bool uid = key[0] == 'u';
		if ((v = parse_id(val)) < 0)
			return -1;
		if (f & F_PERM)
			op->arg = op_perm_arg(op_perm_mode(op), uid ? (unsigned)v : op_perm_uid(op),
					      uid ? op_perm_gid(op) : (unsigned)v);
		else
			op->seed = op_ident_seed(uid ? (unsigned)v : op_ident_uid(op),
						 uid ? op_ident_gid(op) : (unsigned)v,
						 op_ident_groups(op));
		return 0;
	}
	if ((f & F_PERM) && !strcmp(key, "mode")) {
		if (parse_int(val, 0, 0777, &n))
			return -1;
		op->arg = op_perm_arg((unsigned)n, op_perm_uid(op), op_perm_gid(op));
		return 0;
	}
	if (!(f & F_IDENT))
		return 1;
	if (!strcmp(key, "groups")) {
		if ((v = parse_set(val, parse_id)) < 0)
			return -1;
		op->seed = op_ident_seed(op_ident_uid(op), op_ident_gid(op), (unsigned)v);
	} else if (!strcmp(key, "umask")) {
		if (parse_int(val, 0, 0777, &n))
			return -1;
		op->arg = (int16_t)n;
	} else if (!strcmp(key, "ns")) {
		if ((v = parse_set(val, ns_index)) < 0)
			return -1;
		op->len = (uint16_t)((op->len & IDENT_NOCAP) | (unsigned)v);
	} else if (!strcmp(key, "caps")) {
		if (strcmp(val, "none") && strcmp(val, "all"))
			return -1;
		op->len = (uint16_t)((op->len & IDENT_NS_MASK) | (val[0] == 'n' ? IDENT_NOCAP : 0));
	} else {
		return 1;
	}
	return 0;
}

static int parse_word(struct op *op, char *w, unsigned *seen)
{
	unsigned f = kind_fields[op->kind];
	char *eq = strchr(w, '=');
	long v;

	if (!eq) {
		if ((w[0] == 'a' || w[0] == 'o') && isdigit((unsigned char)w[1])) {
			long hi = w[0] == 'a' ? IPCF_ACTORS - 1 : IPCF_OBJS - 1;
			if (w[0] == 'o' && !(f & F_OBJ))
				return -1;
			if (parse_int(w + 1, 0, hi, &v))
				return -1;
			if (w[0] == 'a')
				op->actor = (uint8_t)v;
			else
				op->obj = (uint8_t)v;
			return 0;
		}
		for (size_t i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++)
			if (!strcmp(w, flag_names[i].name) && (flag_names[i].kinds & K(op->kind))) {
				op->flags |= flag_names[i].bit;
				return 0;
			}
		return -1;
	}
	*eq = 0;
	const char *val = eq + 1;
	int r = (f & (F_IDENT | F_PERM)) ? parse_ident_word(op, f, w, val) : 1;
	if (r <= 0)
		return r;
	if (!strcmp(w, "len") && (f & F_LEN) && !parse_int(val, 0, IPCF_MAX_LEN, &v))
		op->len = (uint16_t)v;
	else if (!strcmp(w, "value") && (f & F_VALUE) && !parse_int(val, 0, IPCF_MAX_LEN, &v))
		op->len = (uint16_t)v;
	else if (!strcmp(w, "size") && (f & F_CREATE) && !parse_int(val, 0, IPCF_MAX_LEN, &v))
		op->len = (uint16_t)v;
	else if (!strcmp(w, "arg") && (f & F_ARG) && !parse_int(val, INT16_MIN, INT16_MAX, &v))
		op->arg = (int16_t)v;
	else if (!strcmp(w, "opt") && (f & F_OPT) && (v = lookup(opt_names, OPT_COUNT, val)) >= 0)
		op->arg = (int16_t)v;
	else if (!strcmp(w, "seed") && (f & F_SEED) && !parse_int(val, 0, 255, &v))
		op->seed = (uint8_t)v;
	else if (!strcmp(w, "via") && op->kind == OP_RECV &&
		 (v = lookup(via_names, VIA_COUNT, val)) >= 0)
		op->seed = (uint8_t)v;
	else if (!strcmp(w, "mode") && (f & F_CREATE) && !parse_int(val, 0, 0777, &v))
		op->arg = op_create_arg(op_create_form(op), (unsigned)v);
	else if (!strcmp(w, "name") && (f & F_CREATE) &&
		 (v = lookup(form_names, NAME_FORM_COUNT, val)) >= 0)
		op->arg = op_create_arg((unsigned)v, op_create_mode(op));
	else
		return -1;
	*seen |= 1;
	return 0;
}

int prog_parse(const char *text, struct prog *p, char *err, size_t errcap)
{
	unsigned line = 0;
	const char *s = text;

	p->n = 0;
	while (*s) {
		char buf[512], *save = NULL;
		size_t n = strcspn(s, "\n");

		line++;
		if (n >= sizeof buf)
			return fail(err, errcap, line, "%s", "line too long");
		memcpy(buf, s, n);
		buf[n] = 0;
		s += n + (s[n] == '\n');
		char *hash = strchr(buf, '#');
		if (hash)
			*hash = 0;
		char *w = strtok_r(buf, " \t\r", &save);
		if (!w)
			continue;
		if (p->n == IPCF_MAX_OPS)
			return fail(err, errcap, line, "more than %s ops", "32");
		int kind = lookup(kind_names, OP_KIND_COUNT, w);
		if (kind < 0)
			return fail(err, errcap, line, "unknown op '%s'", w);
		struct op op = {.kind = (uint8_t)kind};
		unsigned seen = 0;
		if (kind == OP_KILL)
			op.actor = 1;
		while ((w = strtok_r(NULL, " \t\r", &save)))
			if (parse_word(&op, w, &seen))
				return fail(err, errcap, line, "bad or misplaced word '%s'", w);
		if (kind == OP_RECV && op.seed && !(op.flags & OPF_URING))
			return fail(err, errcap, line, "%s",
				    "via= is a route of io_uring: add uring");
		if (kind == OP_KILL && op.actor == 0)
			return fail(err, errcap, line, "%s", "kill needs a peer actor (a1 or a2)");
		op_normalize(&op);
		p->ops[p->n++] = op;
	}
	return 0;
}
