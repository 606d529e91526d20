/* The codec: every byte string decodes, decode -> text -> encode -> decode is
 * the identity, and the text parser rejects what it does not understand. */
#include "../../src/prog/ident.h"
#include "../../src/prog/prog.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

static int same(const struct prog *a, const struct prog *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct op *x = &a->ops[i], *y = &b->ops[i];
		if (x->kind != y->kind || x->actor != y->actor || x->obj != y->obj ||
		    x->flags != y->flags || x->seed != y->seed || x->len != y->len ||
		    x->arg != y->arg)
			return 0;
	}
	return 1;
}

static void round_trip(const uint8_t *data, size_t size)
{
	static char text[IPCF_MAX_OPS * 200];
	uint8_t bin[IPCF_MAX_OPS * IPCF_OP_BYTES];
	struct prog p, q, r;
	char err[200];

	prog_decode(data, size, &p);
	CHECK(p.n <= IPCF_MAX_OPS, "too many ops: %zu", p.n);
	CHECK(p.n == (size + 7) / 8 || p.n == IPCF_MAX_OPS, "ops %zu for %zu bytes", p.n, size);
	prog_format(&p, text, sizeof text);
	CHECK(prog_parse(text, &q, err, sizeof err) == 0, "text did not parse: %s\n%s", err, text);
	CHECK(same(&p, &q), "text round trip changed the program:\n%s", text);
	size_t n = prog_encode(&q, bin, sizeof bin);
	prog_decode(bin, n, &r);
	CHECK(same(&p, &r), "binary round trip changed the program:\n%s", text);
	/* Canonical bytes are a fixed point. */
	uint8_t again[sizeof bin];
	CHECK(prog_encode(&r, again, sizeof again) == n && !memcmp(bin, again, n),
	      "encoding is not canonical");
}

static void parse_errors(void)
{
	struct prog p;
	char err[200];

	CHECK(prog_parse("create a0 o0\nfrobnicate a0\n", &p, err, sizeof err) < 0 &&
		      !strncmp(err, "line 2:", 7),
	      "unknown op: %s", err);
	CHECK(prog_parse("send a0 o0 len=99999\n", &p, err, sizeof err) < 0, "len out of range");
	CHECK(prog_parse("join a0 o0 len=3\n", &p, err, sizeof err) < 0, "len on join accepted");
	CHECK(prog_parse("send a9 o0\n", &p, err, sizeof err) < 0, "actor 9 accepted");
	CHECK(prog_parse("kill a0\n", &p, err, sizeof err) < 0, "kill of the executor accepted");
	CHECK(prog_parse("# only a comment\n\n", &p, err, sizeof err) == 0 && p.n == 0,
	      "comments and blank lines");
	/* uring shares bit 6 with close's "write" and keeps its own meaning. */
	CHECK(prog_parse("send a0 o0 len=3 uring nowait\nrecv a1 o0 len=3 uring\n", &p, err,
			 sizeof err) == 0 &&
		      p.ops[0].flags == (OPF_URING | OPF_NOWAIT) && p.ops[1].flags == OPF_URING,
	      "send/recv uring: %s", err);
	CHECK(prog_parse("close a0 o0 uring\n", &p, err, sizeof err) < 0,
	      "uring on close accepted");
	CHECK(prog_parse("recv a0 o0 len=3 uring via=tee\n", &p, err, sizeof err) == 0 &&
		      p.ops[0].seed == VIA_TEE,
	      "via=tee: %s", err);
	CHECK(prog_parse("recv a0 o0 len=3 via=splice\n", &p, err, sizeof err) < 0,
	      "via= without uring accepted");
	CHECK(prog_parse("recv a0 o0 len=3 uring via=mmap\n", &p, err, sizeof err) < 0,
	      "unknown route accepted");
	CHECK(prog_parse("send a0 o0 write\n", &p, err, sizeof err) < 0, "write on send accepted");
	{
		char text[128];
		prog_parse("close a0 o0 write\nrecv a0 o0 len=1 uring\n", &p, err, sizeof err);
		prog_format(&p, text, sizeof text);
		CHECK(strstr(text, "close a0 o0 write\n") && strstr(text, "len=1 arg=0 uring\n"),
		      "flag words by kind:\n%s", text);
	}
	/* Identities: ids only from the table, namespaces and groups by name. */
	CHECK(prog_parse("ident a1 uid=5\n", &p, err, sizeof err) < 0, "uid outside the table");
	CHECK(prog_parse("ident a1 ns=pid\n", &p, err, sizeof err) < 0, "unknown namespace");
	CHECK(prog_parse("ident a1 umask=01000\n", &p, err, sizeof err) < 0, "umask too wide");
	CHECK(prog_parse("perm a0 o0 groups=0\n", &p, err, sizeof err) < 0, "groups on perm");
	CHECK(prog_parse("ident a2 uid=1001 gid=65534 groups=0,1000 umask=027 ns=mnt,ipc\n", &p,
			 err, sizeof err) == 0 &&
		      p.ops[0].actor == 2 && op_ident_uid(&p.ops[0]) == 2 &&
		      op_ident_gid(&p.ops[0]) == 3 && op_ident_groups(&p.ops[0]) == 3 &&
		      op_ident_umask(&p.ops[0]) == 027 &&
		      op_ident_ns(&p.ops[0]) == (IDENT_NS_MNT | IDENT_NS_IPC),
	      "fields of a parsed ident");
	CHECK(prog_parse("ident a0 uid=1000 ns=ipc umask=077\n", &p, err, sizeof err) == 0 &&
		      p.ops[0].seed == 0 && p.ops[0].len == 0 && op_ident_umask(&p.ops[0]) == 077,
	      "the executor takes only the umask");
	CHECK(prog_parse("perm a1 o3 uid=65534 gid=1000 mode=0604\n", &p, err, sizeof err) == 0 &&
		      op_perm_uid(&p.ops[0]) == 3 && op_perm_gid(&p.ops[0]) == 1 &&
		      op_perm_mode(&p.ops[0]) == 0604,
	      "fields of a parsed perm");
	{
		/* Flag names belong to kinds: a bit one kind does not use means
		 * something else to another, and a name is refused on a wrong kind. */
		CHECK(prog_parse("send a0 o0 len=1 arg=34 queue\n", &p, err, sizeof err) == 0 &&
			      p.ops[0].flags == OPF_QUEUE,
		      "send queue: %s", err);
		CHECK(prog_parse("recv a1 o0 len=8 fd\n", &p, err, sizeof err) == 0 &&
			      p.ops[0].flags == OPF_FD,
		      "recv fd: %s", err);
		CHECK(prog_parse("send a0 o0 len=1 except\n", &p, err, sizeof err) < 0,
		      "except on a send");
		CHECK(prog_parse("close a0 o0 fd\n", &p, err, sizeof err) < 0, "fd on a close");
		char text[256];
		struct op q = {.kind = OP_SEND, .flags = OPF_QUEUE | OPF_THREAD};
		op_format(&q, text, sizeof text);
		CHECK(strstr(text, "queue thread") && !strstr(text, "noerror"),
		      "send flags print: %s", text);
		/* setopt options: named, and opt=size is the silent default. */
		CHECK(prog_parse("setopt a1 o0 opt=unblock value=10\n", &p, err, sizeof err) == 0 &&
			      p.ops[0].arg == OPT_UNBLOCK && p.ops[0].len == 10,
		      "setopt opt: %s", err);
		CHECK(prog_parse("setopt a1 o0 opt=frob value=1\n", &p, err, sizeof err) < 0,
		      "unknown opt");
		q = (struct op){.kind = OP_SETOPT, .len = 4096};
		op_format(&q, text, sizeof text);
		CHECK(!strstr(text, "opt="), "opt=size is not printed: %s", text);
		q.arg = OPT_WINSZ;
		op_format(&q, text, sizeof text);
		CHECK(strstr(text, "opt=winsz"), "opt printed: %s", text);
		uint8_t raw[8];
		q = (struct op){.kind = OP_SETOPT};
		prog_encode(&(struct prog){.n = 1, .ops = {q}}, raw, sizeof raw);
		raw[6] = 0xff, raw[7] = 0x7f; /* an option number far out of range */
		prog_decode(raw, sizeof raw, &p);
		CHECK(p.ops[0].kind == OP_SETOPT && p.ops[0].arg >= 0 && p.ops[0].arg < OPT_COUNT,
		      "a decoded option is in range: %d", p.ops[0].arg);
	}
	CHECK(prog_parse("recv a1 o2 len=5 arg=-3 nowait except\n", &p, err, sizeof err) == 0 &&
		      p.n == 1 && p.ops[0].kind == OP_RECV && p.ops[0].actor == 1 &&
		      p.ops[0].obj == 2 && p.ops[0].arg == -3 &&
		      p.ops[0].flags == (OPF_NOWAIT | OPF_EXCEPT),
	      "fields of a parsed recv");
}

int main(void)
{
	uint8_t buf[IPCF_MAX_OPS * IPCF_OP_BYTES + 40];

	srand(1);
	round_trip(NULL, 0);
	for (int i = 0; i < 20000 && !check_failures; i++) {
		size_t size = (size_t)rand() % sizeof buf;
		for (size_t k = 0; k < size; k++)
			buf[k] = (uint8_t)rand();
		round_trip(buf, size);
	}
	memset(buf, 0xff, sizeof buf);
	round_trip(buf, sizeof buf);
	parse_errors();
	return check_done("test_codec");
}
