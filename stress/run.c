/* One stress run of one mechanism: create the channels through the
 * descriptor, run the participants (processes or threads), tally, destroy,
 * and audit for leaks exactly as the fuzzers do. */
#define _GNU_SOURCE
#include "ctx.h"
#include "frame.h"
#include "ring.h"
#include "verify.h"

#include "../src/audit/audit.h"
#include "../src/uring/probe.h"
#include "../src/util/fault.h"
#include "../src/util/payload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Sequence numbers a producer may use in a timed run: the ledger is lazily
 * backed and releases what has arrived, so this is address space. */
#define LEDGER_ENTRIES_PROCESSES (1ull << 32)
#define LEDGER_ENTRIES_THREADS	 (1ull << 27)

const char *stress_check(const struct mechanism *m, const struct stress_opts *o, char *buf,
			 size_t cap)
{
	const struct stress_profile *p = m->stress;

	if (!p)
		return NULL;
	if (p->one_writer && o->producers > o->consumers) {
		snprintf(buf, cap,
			 "%s takes one producer per channel (a write is atomic only while it "
			 "need not wait): --producers %u is over --consumers %u",
			 m->id, o->producers, o->consumers);
		return buf;
	}
	if (o->size_max > p->max_frame) {
		snprintf(buf, cap,
			 "%s carries frames of up to %u bytes whole%s; --msg-size %u is over",
			 m->id, p->max_frame, p->kind == STRESS_STREAM ? " (atomic writes)" : "",
			 o->size_max);
		return buf;
	}
	return NULL;
}

int stress_violations(const struct stress_result *r)
{
	uint64_t n = r->lost + r->duplicated + r->corrupted + r->truncated + r->reordered;

	for (const char *f = r->failures; *f; f++)
		n += *f == '\n';
	return n > 1000000 ? 1000000 : (int)n;
}

static int create_channels(struct stress_ctx *x, unsigned *created)
{
	const struct stress_profile *p = x->prof;

	if (p->consumer_creates) {
		fault_strays(); /* where a create would leave its strays */
		return 0;	/* each consumer makes its own (roles.c) */
	}
	for (*created = 0; *created < x->nchan; ++*created) {
		unsigned k = *created;
		struct op op = {.kind = OP_CREATE,
				.obj = (uint8_t)k,
				.flags = OPF_CREAT | OPF_EXCL,
				.arg = op_create_arg(NAME_SLOT, 0600),
				.len = p->create_len};
		chan_reset(&x->chan[k]);
		memset(&x->ref[k], 0, sizeof x->ref[k]);
		int e = x->mech->create(&x->chan[k], &x->ref[k], &op);
		fault_strays(); /* as the executor does: a stray fault leaks here */
		if (!e && p->prepare)
			e = p->prepare(&x->chan[k], &x->ref[k]);
		if (e) {
			supervise_fail(x, "%s: %s", p->prepare ? "create, prepare" : "create",
				       strerror(-e));
			x->mech->close(&x->chan[k], OPF_READ | OPF_WRITE);
			return -1;
		}
	}
	if (p->kind == STRESS_RING) {
		size_t len = 0;
		void *region = p->region(&x->chan[0], &len);
		int e = ring_init(region, len, x->opt->size_max);
		if (e) {
			supervise_fail(x, "ring over %zu bytes: %s", len, strerror(-e));
			return -1;
		}
	}
	return 0;
}

static void destroy_channels(struct stress_ctx *x, unsigned created)
{
	for (unsigned k = 0; k < created; k++) {
		int e = x->mech->destroy(&x->chan[k], &x->ref[k]);
		if (e)
			supervise_fail(x, "destroy: %s", strerror(-e));
		x->mech->close(&x->chan[k], OPF_READ | OPF_WRITE);
	}
}

static int open_accounting(struct stress_ctx *x)
{
	const struct stress_opts *o = x->opt;
	unsigned np = o->producers;
	uint64_t per =
		o->messages ? (o->messages + np - 1) / np
			    : (o->threads ? LEDGER_ENTRIES_THREADS : LEDGER_ENTRIES_PROCESSES) / np;

	if (area_open(&x->area, np, o->consumers,
		      x->prof->kind == STRESS_MESSAGES ? x->prof->max_frame : 0) ||
	    ledger_open(&x->ledger, np, per)) {
		supervise_fail(x, "out of memory for the run's accounting");
		return -1;
	}
	for (unsigned p = 0; p < np; p++)
		x->area.prod[p].quota =
			o->messages ? o->messages / np + (p < o->messages % np) : per;
	return 0;
}

static void audit_leaks(struct stress_ctx *x, const struct audit_snapshot *snap)
{
	char why[2048] = "";

	int leaks = audit_check_maps(why, sizeof why);
	leaks += audit_compare(snap, AUDIT_NAMESPACE, why, sizeof why);
	leaks += audit_children(NULL, 0, why, sizeof why);
	if (!leaks)
		return;
	for (char *line = strtok(why, "\n"); line; line = strtok(NULL, "\n"))
		supervise_fail(x, "%s", line);
	audit_sweep(); /* one leak must not become every later report */
}

int stress_run(const struct mechanism *m, const struct stress_opts *o, struct stress_result *r)
{
	struct stress_ctx *x;
	struct audit_snapshot snap;
	unsigned created = 0;
	char buf[160];
	int rc = 0;

	memset(r, 0, sizeof *r);
	r->mech = m->id;
	r->mode = o->threads ? (o->io_uring ? "threads+io_uring" : "threads")
			     : (o->io_uring ? "processes+io_uring" : "processes");
	const char *why = !m->stress ? "no stress profile" : m->probe ? m->probe() : NULL;
	/* The same traffic through rings needs the mechanism's io_uring use
	 * path and a kernel that allows it; otherwise skipped, with why. */
	if (!why && o->io_uring)
		why = !m->uring_ops			 ? "no io_uring use path"
		      : m->stress && m->stress->no_uring ? m->stress->no_uring
							 : uring_probe(m->uring_ops);
	if (!why)
		why = stress_check(m, o, buf, sizeof buf);
	if (why) {
		snprintf(r->skipped, sizeof r->skipped, "%s", why);
		return 0;
	}
	if (!(x = calloc(1, sizeof *x))) {
		snprintf(r->failures, sizeof r->failures, "out of memory\n");
		return 1;
	}
	*x = (struct stress_ctx){.mech = m, .prof = m->stress, .opt = o, .res = r};
	x->nchan = x->prof->kind == STRESS_STREAM || x->prof->consumer_creates ? o->consumers : 1;
	crc32c(0, "", 1); /* builds its table now, not racing in threads */
	audit_snapshot(&snap);
	if (!open_accounting(x) && !create_channels(x, &created)) {
		x->start_ns = frame_now_ns();
		rc = o->threads ? threads_run(x) : driver_run(x);
		r->seconds = (double)(frame_now_ns() - x->start_ns) / 1e9;
		if (o->progress)
			metrics_progress_end();
		verify_tally(x, r);
		if (x->prof->kind == STRESS_RING) {
			size_t len = 0;
			r->owner_deaths = ring_owner_deaths(
				ring_attach(x->prof->region(&x->chan[0], &len), len));
		}
	}
	destroy_channels(x, created);
	if (rc == -ETIMEDOUT) {
		/* Threads are stuck: report now, they cannot be joined. */
		metrics_summary(stderr, r);
		_exit(1);
	}
	ledger_close(&x->ledger);
	area_close(&x->area);
	audit_leaks(x, &snap);
	free(x);
	return stress_violations(r);
}
