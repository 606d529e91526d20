#define _GNU_SOURCE
#include "executor.h"

#include "../audit/audit.h"
#include "../model/model.h"
#include "../sandbox/sandbox.h"
#include "../uring/ring.h"
#include "../util/fault.h"
#include "../prog/ident.h"
#include "../util/payload.h"
#include "actor.h"
#include "identity.h"
#include "peer.h"
#include "profile.h"
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Identities parked per actor: a corpus's programs use a few identities
 * each, and a fresh one costs a peer start, and namespaces when it has
 * its own (measured on fuzz-sysv-msg: one slot served 65% of OP_IDENTs,
 * four 85%, eight 90%; an idle lean peer costs ~2 MB). */
#define PARK_SLOTS 8

struct executor {
	const struct mechanism *mech;
	struct limits lim;
	struct model model;
	struct actor self;
	struct peer peers[IPCF_ACTORS]; /* [0] is the executor itself */
	bool used[IPCF_ACTORS];		/* took part in this program */
	/* The identity each peer runs (or is to be started) under: an OP_IDENT,
	 * or kind OP_KIND_COUNT for the executor's own.  Reset every program. */
	struct op ident[IPCF_ACTORS];
	/* An identity peer kept from an earlier program, idle and audited
	 * clean (its own namespaces, if any, as empty as when made), with the
	 * OP_IDENT it took: the next OP_IDENT of that actor that asks for the
	 * same takes it over instead of starting one (see park()). */
	struct parked {
		struct peer peer;
		struct op ident;
		uint64_t last; /* when it was last parked: the oldest goes first */
	} parked[IPCF_ACTORS][PARK_SLOTS];
	uint64_t parkings;
	bool ns_kept[IPCF_ACTORS]; /* its PEER_END said so, this program */
	/* A peer with no identity, clean and unused, that an OP_IDENT served
	 * from the parked ones put aside: actor a's peer again after the
	 * program (a kill and a start saved). */
	struct peer aside[IPCF_ACTORS];
	struct obj_ref slot_ref[IPCF_OBJS];
	struct obj_ref created[IPCF_MAX_OPS];
	int ncreated;
	unsigned timeout_ms;
	uint8_t *pdata;
	const struct prog *p;
	struct report *r;
	struct audit_snapshot snap;
	/* What the last program's end audit saw, if it found nothing: the next
	 * program's namespace counts (audit_snapshot_carry). */
	struct audit_snapshot end;
	bool end_clean;
	struct trace *trace; /* NULL unless a differential run records one */
};

/* IPCFUZZ_TIMEOUT_MS bounds every blocking step (default 3 s: generous on a
 * loaded 2-core CI machine, and only a real hang ever waits that long). */
static unsigned timeout_from_env(void)
{
	const char *v = getenv("IPCFUZZ_TIMEOUT_MS");
	long ms = v ? strtol(v, NULL, 10) : 0;
	return ms >= 10 && ms <= 600000 ? (unsigned)ms : 3000;
}

struct executor *executor_new(const struct mechanism *mech, const struct executor_opts *o)
{
	struct executor *e = calloc(1, sizeof *e);

	fault_init();
	sandbox_enter();
	limits_read(&e->lim);
	e->mech = mech;
	e->timeout_ms = o && o->timeout_ms ? o->timeout_ms : timeout_from_env();
	model_init(&e->model, mech, &e->lim);
	actor_init(&e->self, mech, 0, e->timeout_ms);
	e->pdata = malloc(IPCF_MAX_LEN + 1);
	for (int a = 0; a < IPCF_ACTORS; a++) {
		e->peers[a].sock = e->peers[a].pidfd = -1;
		e->aside[a].sock = e->aside[a].pidfd = -1;
		for (int k = 0; k < PARK_SLOTS; k++)
			e->parked[a][k].peer.sock = e->parked[a][k].peer.pidfd = -1;
		e->ident[a].kind = OP_KIND_COUNT;
	}
	peer_zygote_start(mech);
	audit_full_baseline();
	prof_init();
	return e;
}

void executor_free(struct executor *e)
{
	if (!e)
		return;
	for (int a = 1; a < IPCF_ACTORS; a++) {
		peer_kill(&e->peers[a]);
		peer_kill(&e->aside[a]);
		for (int k = 0; k < PARK_SLOTS; k++)
			peer_kill(&e->parked[a][k].peer);
	}
	actor_fini(&e->self);
	model_free(&e->model);
	free(e->pdata);
	free(e);
}

static const char *target(const struct executor *e)
{
	return e->mech->id;
}

static bool has_ident(const struct executor *e, int a)
{
	return e->ident[a].kind == OP_IDENT;
}

/* Entering new namespaces waits for the kernel to finish tearing down the
 * ones earlier programs left (network namespaces are freed by a worker):
 * measured here at up to ~1 s for a network and ~0.4 s for an IPC namespace
 * while a fuzzer churns them.  That is setup, not a judged op, so it gets a
 * longer bound than one op has. */
#define IDENT_TIMEOUT(e) ((e)->timeout_ms * 5)

/* A peer under its identity: a spare from the zygote that takes it before
 * anything else.  0; *ident_err is the errno taking it failed with (the
 * peer is gone then); else a start failure. */
static int start_peer(struct executor *e, int a, int *ident_err)
{
	return peer_start(&e->peers[a], a, e->mech, has_ident(e, a) ? &e->ident[a] : NULL,
			  IDENT_TIMEOUT(e), ident_err);
}

static int ensure_peer(struct executor *e, int a)
{
	int ident_err;

	e->used[a] = true;
	if (e->peers[a].pid)
		return 0;
	/* The model said this identity works when the program took it. */
	int r = start_peer(e, a, &ident_err);
	return r ? r : ident_err ? -EPIPE : 0;
}

/* A peer of actor a that stopped answering or died: report it, then get
 * rid of it. */
static void peer_lost(struct executor *e, int a, struct peer *p, int index, int err)
{
	char why[160];

	snprintf(why, sizeof why, "peer a%d %s\n", a,
		 err == -ETIMEDOUT ? "did not answer within the timeout (hang)" : "died");
	report_fail(e->r, target(e), e->p, index, err == -ETIMEDOUT ? "hang" : "peer-died", why);
	peer_kill(p);
}

static void peer_failed(struct executor *e, int a, int index, int err)
{
	peer_lost(e, a, &e->peers[a], index, err);
	e->used[a] = false;
}

/* Runs op on a peer and waits for its result.  0, or a peer failure. */
static int peer_run(struct executor *e, const struct op *op, uint32_t salt, int *fds, unsigned ends,
		    int64_t hint, struct peer_reply *rep, bool wait)
{
	struct peer *p = &e->peers[op->actor];
	struct peer_cmd cmd = {
		.what = PEER_OP, .salt = salt, .ends = ends, .op = *op, .hint = hint};

	cmd.ref = e->slot_ref[op->obj];
	if (ensure_peer(e, op->actor) || peer_send(p, &cmd, fds))
		return -EPIPE;
	if (!wait)
		return 0;
	int err = peer_wait(p, rep, e->pdata, NULL, e->timeout_ms);
	if (err == -ETIMEDOUT && !peer_cancel(p, rep, e->pdata, e->timeout_ms))
		return 0; /* interrupted: its EINTR result names the hang */
	return err;
}

/* The descriptors an inherited join copies, from the actor that holds them.
 * *owned says whether they are copies the executor must close. */
static int fetch_fds(struct executor *e, int from, int obj, unsigned ends, int fds[2], bool *owned)
{
	*owned = from != 0;
	if (from == 0) {
		fds[0] = (ends & OPF_READ) ? e->self.chans[obj].fd[0] : -1;
		fds[1] = (ends & OPF_WRITE) ? e->self.chans[obj].fd[1] : -1;
		return 0;
	}
	struct peer_cmd cmd = {.what = PEER_EXPORT, .op = {.obj = (uint8_t)obj}};
	struct peer_reply rep = {0};
	if (ensure_peer(e, from) || peer_send(&e->peers[from], &cmd, NULL) ||
	    peer_wait(&e->peers[from], &rep, NULL, fds, e->timeout_ms))
		return -EPIPE;
	fds_place(fds, ends);
	return 0;
}

static void close_owned(int fds[2])
{
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static void remember_create(struct executor *e, const struct op *op, const struct obj_ref *ref)
{
	unsigned iso = e->mech->access ? e->mech->access->isolation : 0;

	e->slot_ref[op->obj] = *ref;
	/* What a peer made in a namespace of its own is not the executor's to
	 * destroy (it names nothing, or something else, here): it dies with
	 * the peer, which the end of the program stops. */
	if (identity_private(&e->ident[op->actor], iso))
		return;
	if (e->ncreated < IPCF_MAX_OPS)
		e->created[e->ncreated++] = *ref;
}

/* Every result goes through here: into the trace, then to the judge. */
static void judge(struct executor *e, int i, const struct op *ran, const struct expect *ex,
		  const struct outcome *out, const uint8_t *data, const char *note)
{
	if (e->trace)
		trace_add(e->trace, i, ran, ex, out, data);
	report_judge(e->r, target(e), e->mech->cls, e->p, i, ran, ex, out, data, note);
}

const char *executor_target(const struct executor *e)
{
	return e->mech->id;
}

void executor_set_trace(struct executor *e, struct trace *t)
{
	e->trace = t;
}

/* Every op carries who is who: a receiver names a signal's sender by it. */
static void tell_pids(struct executor *e, int obj)
{
	e->slot_ref[obj].pids[0] = e->self.pid;
	for (int a = 1; a < IPCF_ACTORS; a++)
		e->slot_ref[obj].pids[a] = e->peers[a].pid;
}

/* The op ended its own actor, as the model predicted: there is no result
 * to judge, but the actor must really be gone. */
static void expected_death(struct executor *e, int i, int a, int err)
{
	char why[200];

	if (err == -EPIPE) {
		peer_expect_death(&e->peers[a], e->timeout_ms);
	} else {
		snprintf(why, sizeof why,
			 "the model says this op ends peer a%d (a fatal signal), but it %s\n", a,
			 err ? "hung" : "answered");
		report_fail(e->r, target(e), e->p, i, "survived", why);
		peer_kill(&e->peers[a]);
	}
	e->used[a] = false;
}

/* Runs one op that the model says to run now; judges it. */
static void run_now(struct executor *e, int i, const struct op *op, const struct step *st)
{
	struct outcome out;
	struct obj_ref ref = e->slot_ref[op->obj];
	const uint8_t *data = e->self.data;
	int fds[2] = {-1, -1};
	bool owned = false, inherit = op->kind == OP_JOIN && st->join_from >= 0;
	bool dies = op->actor && (st->kills & (1u << op->actor));

	if (inherit && fetch_fds(e, st->join_from, op->obj, st->join_ends, fds, &owned)) {
		peer_failed(e, st->join_from, i, -EPIPE);
		return;
	}
	uint64_t t = prof_now();
	if (op->actor == 0) {
		e->self.hint = st->ex.ret;
		actor_run(&e->self, op, (uint32_t)i, &ref, inherit ? fds : NULL, &out);
		owned = false; /* the executor's own handle adopted them */
		prof_add_op(0, op->kind, t);
	} else {
		struct peer_reply rep = {0};
		int err = peer_run(e, op, (uint32_t)i, inherit ? fds : NULL, st->join_ends,
				   st->ex.ret, &rep, true);
		prof_add_op(1, op->kind, t);
		if (owned)
			close_owned(fds);
		owned = false;
		if (dies) {
			expected_death(e, i, op->actor, err);
			return;
		}
		if (err) {
			peer_failed(e, op->actor, i, err);
			return;
		}
		out = rep.out;
		ref = rep.ref;
		data = e->pdata;
	}
	if (owned)
		close_owned(fds);
	if (op->kind == OP_CREATE && out.err == 0)
		remember_create(e, op, &ref);
	judge(e, i, op, &st->ex, &out, data,
	      st->force_nowait ? "(run non-blocking: the model predicts it would block)" : NULL);
}

/* Collects the result of a peer's pending op that the model says is done. */
static void collect(struct executor *e, int i, int a, const struct expect *ex)
{
	struct peer_reply rep = {0};
	uint64_t t = prof_now();
	int err = peer_wait(&e->peers[a], &rep, e->pdata, NULL, e->timeout_ms);
	prof_add(PROF_COLLECT, t);

	if (err == -ETIMEDOUT)
		err = peer_cancel(&e->peers[a], &rep, e->pdata, e->timeout_ms);
	if (err) {
		peer_failed(e, a, i, err);
		return;
	}
	struct op woken = e->model.pend[a].op;
	judge(e, i, &woken, ex, &rep.out, e->pdata,
	      "(a blocked op of this peer, completed by this op)");
}

/* Interrupts a peer's blocked op and judges what it returns (EINTR). */
static void interrupt(struct executor *e, int i, int a, const struct op *blocked,
		      const struct expect *ex, const char *why)
{
	struct peer_reply rep = {0};
	uint64_t t = prof_now();
	int err = peer_cancel(&e->peers[a], &rep, e->pdata, e->timeout_ms);

	prof_add(PROF_COLLECT, t);
	if (err) {
		peer_failed(e, a, i, err);
		return;
	}
	judge(e, i, blocked, ex, &rep.out, e->pdata, why);
}

/* The actor is needed again while its op still blocks: interrupt it. */
static void cancel_pending(struct executor *e, int i, int a)
{
	struct expect ex;
	struct op blocked = e->model.pend[a].op;

	model_cancel(&e->model, a, &ex);
	interrupt(e, i, a, &blocked, &ex,
		  "(a blocked op, interrupted: the model says nothing could wake it)");
}

/* The model interrupts a waiter before an op that would race with it. */
static void cancel_first(struct executor *e, int i, const struct step *st)
{
	struct expect ex = {.ret = -1, .err = EINTR};

	for (int a = 1; a < IPCF_ACTORS; a++)
		if ((st->cancels & (1u << a)) && e->peers[a].pid && !report_failed(e->r))
			interrupt(e, i, a, &st->cancelled[a], &ex,
				  "(a blocked op, interrupted first: this op would race with its "
				  "waking)");
}

/* Barriers the model asked for: the kernel finishes some deliveries in a
 * worker (a tty's flip buffers); the next op must not race with them. */
static void settle(struct executor *e, int i, const struct step *st)
{
	char why[240];

	for (int s = 0; s < st->nsettle && !report_failed(e->r); s++) {
		int a = st->settle[s].actor, obj = st->settle[s].obj;
		int64_t want = st->settle[s].want, got = want;
		if (!e->mech->settle)
			return;
		if (a == 0) {
			got = e->mech->settle(&e->self.chans[obj], want, e->timeout_ms);
		} else if (e->peers[a].pid) {
			struct peer_cmd cmd = {.what = PEER_SETTLE,
					       .salt = e->timeout_ms,
					       .op = {.obj = (uint8_t)obj},
					       .hint = want};
			struct peer_reply rep;
			if (peer_send(&e->peers[a], &cmd, NULL) ||
			    peer_wait(&e->peers[a], &rep, NULL, NULL, e->timeout_ms * 2 + 1000)) {
				peer_failed(e, a, i, -EPIPE);
				return;
			}
			got = rep.out.ret;
		}
		if (want >= 0 && got != want) {
			snprintf(
				why, sizeof why,
				"after this op a%d o%d should have %lld bytes to read (the model's "
				"line discipline); the kernel has %lld\n",
				a, obj, (long long)want, (long long)got);
			report_fail(e->r, target(e), e->p, i, "settle", why);
		}
	}
}

/* Peers that got something asynchronously (a handler ran): one round trip,
 * and whatever it was is done before the next op. */
static void sync_peers(struct executor *e, int i, unsigned sync)
{
	for (int a = 1; a < IPCF_ACTORS; a++) {
		struct peer_cmd cmd = {.what = PEER_SYNC};
		struct peer_reply rep;
		if (!(sync & (1u << a)) || !e->peers[a].pid || report_failed(e->r))
			continue;
		if (peer_send(&e->peers[a], &cmd, NULL) ||
		    peer_wait(&e->peers[a], &rep, NULL, NULL, e->timeout_ms))
			peer_failed(e, a, i, -EPIPE);
	}
}

static void kill_peer_op(struct executor *e, const struct op *op)
{
	uint64_t t = prof_now();
	peer_kill(&e->peers[op->actor]);
	e->used[op->actor] = false;
	prof_add(PROF_KILL, t);
}

/* Can the identity peer of actor a wait for a later program that asks for
 * the same identity?  Only one whose own namespaces (if it has any) hold
 * what they held when it made them: what a program makes there must die
 * with them, as a fresh peer's would be new (ns_audit.h); and only of a
 * mechanism without an actor_setup (nothing held from its setup). */
static bool parkable(const struct executor *e, int a)
{
	return has_ident(e, a) && e->ns_kept[a] && !e->mech->actor_setup &&
	       !e->mech->setup_after_ident;
}

static bool same_ident(const struct op *x, const struct op *y)
{
	return op_ident_uid(x) == op_ident_uid(y) && op_ident_gid(x) == op_ident_gid(y) &&
	       op_ident_groups(x) == op_ident_groups(y) && op_ident_ns(x) == op_ident_ns(y) &&
	       op_ident_nocap(x) == op_ident_nocap(y) && op_ident_umask(x) == op_ident_umask(y);
}

/* The end of a program that ran cleanly: actor a's identity peer, which
 * its PEER_END just audited clean, waits (it holds nothing; it runs under
 * the identity it took, as a fresh one would), in place of one parked
 * under the same identity, else of the one parked longest ago.  Else it
 * is killed. */
static void park(struct executor *e, int a)
{
	if (!e->peers[a].pid || report_failed(e->r) || !parkable(e, a)) {
		peer_kill(&e->peers[a]);
		return;
	}
	struct parked *slot = &e->parked[a][0];
	for (int k = 0; k < PARK_SLOTS; k++) {
		struct parked *pk = &e->parked[a][k];
		if (!pk->peer.pid || same_ident(&pk->ident, &e->ident[a])) {
			slot = pk;
			break;
		}
		if (pk->last < slot->last)
			slot = pk;
	}
	peer_kill(&slot->peer);
	peer_move(&slot->peer, &e->peers[a]);
	slot->ident = e->ident[a];
	slot->last = ++e->parkings;
}

/* A parked peer of actor a under the identity op asks for, or NULL. */
static struct parked *parked_as(struct executor *e, int a, const struct op *op)
{
	for (int k = 0; k < PARK_SLOTS; k++)
		if (e->parked[a][k].peer.pid && same_ident(&e->parked[a][k].ident, op))
			return &e->parked[a][k];
	return NULL;
}

/* OP_IDENT of a peer: it is replaced by one that takes the identity before
 * anything else, so no descriptor or mapping of the old identity survives
 * into the new one.  On failure the actor keeps the identity it had. */
static void ident_op(struct executor *e, int i, const struct op *op, const struct step *st)
{
	struct outcome out = {0};
	struct op before = e->ident[op->actor];
	int a = op->actor, ident_err;
	/* A peer this program has not used yet holds nothing (its last
	 * PEER_END audited it clean): it takes the identity itself, which
	 * saves a fork.  Not where an actor_setup may hold something. */
	bool reuse = e->peers[a].pid && !e->used[a] && !has_ident(e, a) && !e->mech->actor_setup &&
		     !e->mech->setup_after_ident;

	struct parked *pk = parked_as(e, a, op);
	if (pk) {
		/* A peer that took this very identity before (ident_err 0). */
		if (reuse && !e->aside[a].pid)
			peer_move(&e->aside[a], &e->peers[a]);
		kill_peer_op(e, op);
		peer_move(&e->peers[a], &pk->peer);
		e->ident[a] = *op;
		e->used[a] = true;
		report_judge(e->r, target(e), e->mech->cls, e->p, i, op, &st->ex, &out, NULL, NULL);
		return;
	}
	if (!reuse)
		kill_peer_op(e, op);
	e->ident[a] = *op;
	if (reuse ? peer_setup(&e->peers[a], op, IDENT_TIMEOUT(e), &ident_err)
		  : start_peer(e, a, &ident_err)) {
		peer_failed(e, a, i, -EPIPE);
		return;
	}
	e->used[a] = true;
	if (ident_err) {
		e->ident[a] = before;
		out.ret = -1;
		out.err = ident_err;
	}
	report_judge(e->r, target(e), e->mech->cls, e->p, i, op, &st->ex, &out, NULL, NULL);
}

/* Peers other than the op's own that the model says the op ended. */
static void reap_killed(struct executor *e, int i, const struct op *op, unsigned kills)
{
	char why[200];

	for (int a = 1; a < IPCF_ACTORS; a++) {
		if (!(kills & (1u << a)) || a == op->actor || !e->peers[a].pid)
			continue;
		if (peer_expect_death(&e->peers[a], e->timeout_ms) && !report_failed(e->r)) {
			snprintf(why, sizeof why,
				 "the model says this op ends peer a%d (a fatal signal), but it is "
				 "still running\n",
				 a);
			report_fail(e->r, target(e), e->p, i, "survived", why);
		}
		e->used[a] = false;
	}
}

static void step(struct executor *e, int i)
{
	const struct op *op = &e->p->ops[i];
	struct step st;
	struct op eff = *op;

	/* Also before an op that replaces the actor (OP_KILL, OP_IDENT), though
	 * the op would go with the peer: a dying process's io_uring is torn
	 * down by a kernel worker after the exit, and until then its requests
	 * hold their files (a FIFO's, pipe's or socket's only reader, blocked
	 * in its ring, outlived its peer, and the next write was taken instead
	 * of EPIPE: found by fuzz-fifo; seed corpus/fifo/kill_reader_in_ring.txt).
	 * Every backend alike, so that their traces compare. */
	if (op->actor && e->model.pend[op->actor].active)
		cancel_pending(e, i, op->actor);
	/* An inherited join needs the holder's attention too. */
	int holder = op->kind == OP_JOIN ? model_join_source(&e->model, op) : -1;
	if (holder > 0 && e->model.pend[holder].active)
		cancel_pending(e, i, holder);
	/* The model's payload is the one the executor sends as actor 0. */
	e->self.payload_ready = op->kind == OP_SEND;
	if (e->self.payload_ready)
		payload_fill(e->self.payload, op->len, op->seed, (uint32_t)i);
	uint64_t t = prof_now();
	model_step(&e->model, op, e->self.payload, &st);
	prof_add(PROF_MODEL, t);
	if (st.force_nowait)
		eff.flags |= OPF_NOWAIT;
	if (st.cancels)
		cancel_first(e, i, &st);
	tell_pids(e, op->obj);
	if (op->kind == OP_KILL)
		kill_peer_op(e, op);
	else if (op->kind == OP_IDENT && op->actor && st.how != STEP_SKIP)
		ident_op(e, i, op, &st);
	else if (st.how == STEP_RUN)
		run_now(e, i, &eff, &st);
	else if (st.how == STEP_PEND) {
		t = prof_now();
		int err = peer_run(e, op, (uint32_t)i, NULL, 0, 0, NULL, false);
		if (e->trace)
			trace_pend(e->trace, i, op);
		if (err)
			peer_failed(e, op->actor, i, err);
		else if (peer_await_blocked(&e->peers[op->actor], e->timeout_ms) == -ETIMEDOUT)
			peer_failed(e, op->actor, i, -ETIMEDOUT);
		prof_add(PROF_PEND, t);
	}
	if (st.kills && op->kind != OP_KILL)
		reap_killed(e, i, op, st.kills);
	for (int a = 1; a < IPCF_ACTORS; a++)
		if (st.completes[a] && e->peers[a].pid && !report_failed(e->r))
			collect(e, i, a, &st.done[a]);
	if (st.nsettle)
		settle(e, i, &st);
	if (st.sync)
		sync_peers(e, i, st.sync);
}

/* Leak report lines start with their check name ("leak:fd ..."). */
static void report_leaks(struct executor *e, const char *who, const char *why)
{
	char check[32], detail[1200];
	size_t n = strcspn(why, " ");

	snprintf(check, sizeof check, "%.*s", (int)(n < sizeof check ? n : sizeof check - 1), why);
	snprintf(detail, sizeof detail, "%s: %s", who, why);
	report_fail(e->r, target(e), e->p, -1, check, detail);
}

/* PEER_END: the peer closes what it holds and audits itself.  Every peer
 * to end gets its command before any reply is read: on one core the
 * peers then run back to back, and the executor wakes once, not once a
 * peer.  false: the command could not be sent (the peer is gone). */
static bool end_send(struct executor *e, int a, struct peer *p)
{
	struct peer_cmd cmd = {.what = PEER_END};

	if (!peer_send(p, &cmd, NULL))
		return true;
	peer_lost(e, a, p, -1, -EPIPE);
	return false;
}

/* The reply to end_send: one that leaked (reported) or cannot be reset (a
 * session leader) is killed.  Whether its own namespaces hold what they
 * held when made. */
static bool end_reply(struct executor *e, int a, struct peer *p)
{
	struct peer_reply rep = {0};

	if (peer_wait(p, &rep, NULL, NULL, e->timeout_ms)) {
		peer_lost(e, a, p, -1, -EPIPE);
		return false;
	}
	if (rep.leaks[0]) {
		char who[16];
		snprintf(who, sizeof who, "peer a%d", a);
		report_leaks(e, who, rep.leaks);
		peer_kill(p); /* a fresh one next time */
	} else if (rep.out.ret == 1) {
		peer_kill(p); /* cannot be reset (a session leader) */
	}
	return rep.ns_kept;
}

/* The replies to actor a's end_send calls. */
static void end_replies(struct executor *e, int a, bool peer, bool aside)
{
	if (peer)
		e->ns_kept[a] = end_reply(e, a, &e->peers[a]);
	if (aside)
		end_reply(e, a, &e->aside[a]);
}

/* Ends the used peers and those set aside (unused, but a signal may still
 * have reached them).  Where a process's state is part of the mechanism
 * (it has an actor_reset: a pty's hangup, a signal), one peer's close can
 * signal another, so they end one at a time, in actor order. */
static void end_peers(struct executor *e)
{
	bool sent[IPCF_ACTORS], aside_sent[IPCF_ACTORS];
	bool in_turn = e->mech->actor_reset != NULL;

	for (int a = 1; a < IPCF_ACTORS; a++) {
		e->ns_kept[a] = false;
		sent[a] = e->used[a] && e->peers[a].pid && end_send(e, a, &e->peers[a]);
		aside_sent[a] = e->aside[a].pid && end_send(e, a, &e->aside[a]);
		e->used[a] = false;
		if (in_turn)
			end_replies(e, a, sent[a], aside_sent[a]);
	}
	for (int a = 1; a < IPCF_ACTORS && !in_turn; a++)
		end_replies(e, a, sent[a], aside_sent[a]);
}

static void teardown(struct executor *e)
{
	char why[1024] = "";
	int n = (int)e->p->n;

	for (int a = 1; a < IPCF_ACTORS; a++)
		if (e->model.pend[a].active && e->peers[a].pid)
			cancel_pending(e, n - 1, a);
	uint64_t t = prof_now();
	end_peers(e);
	/* Peers under an identity go: their private namespaces with them, and
	 * the next program finds every actor as the executor is. */
	for (int a = 1; a < IPCF_ACTORS; a++) {
		if (has_ident(e, a)) {
			park(e, a);
			e->ident[a].kind = OP_KIND_COUNT;
		}
		if (e->aside[a].pid) /* park() took actor a's peer */
			peer_move(&e->peers[a], &e->aside[a]);
	}
	umask((mode_t)e->lim.self.umask);
	prof_add(PROF_PEER_END, t);
	t = prof_now();
	actor_close_all(&e->self, why, sizeof why);
	actor_reset(&e->self);
	/* Destroy every object the program made, through the descriptor: a
	 * destroy that does not work must show up as a leak below. */
	for (int k = 0; k < e->ncreated; k++) {
		struct chan tmp;
		chan_reset(&tmp);
		tmp.id = e->created[k].id;
		e->mech->destroy(&tmp, &e->created[k]);
	}
	char ns_why[sizeof why] = "";
	audit_compare_now(&e->snap, AUDIT_NAMESPACE, ns_why, sizeof ns_why, &e->end);
	/* The ledger names the object left: where the audit's counts see
	 * every name and agree, none is (a missing name's lookup costs a
	 * dentry each on tmpfs, 5% of a FIFO or socket program). */
	bool ask = e->mech->exists && !audit_names_same(&e->snap, &e->end);
	for (int k = 0; k < e->ncreated && ask; k++)
		if (e->mech->exists(&e->created[k])) {
			snprintf(why, sizeof why,
				 "leak:object %s (id %d, key 0x%x) still exists after destroy\n",
				 e->created[k].name[0] ? e->created[k].name : "object",
				 e->created[k].id, (unsigned)e->created[k].key);
			break;
		}
	audit_check_maps(why, sizeof why);
	pid_t own[1] = {peer_zygote_pid()};
	audit_children(own, 1, why, sizeof why);
	size_t used = strlen(why);
	snprintf(why + used, sizeof why - used, "%s", ns_why);
	e->end_clean = !why[0];
	prof_add(PROF_TEARDOWN, t);
	if (why[0]) {
		report_leaks(e, "executor", why);
		/* Put the namespace back so one leak is one report. */
		audit_sweep();
		for (int i = 0; i < AUDIT_FD_SPAN; i++)
			if (!(e->snap.fd_open & (1ull << i)))
				close(e->snap.low_fd + i);
		sigset_t pend;
		struct timespec zero = {0, 0};
		while (!sigpending(&pend) && !sigisemptyset(&pend))
			if (sigtimedwait(&pend, NULL, &zero) < 0)
				break;
		audit_restore_mask(&e->snap);
	}
}

int executor_run(struct executor *e, const struct prog *p, struct report *r)
{
	e->p = p;
	e->r = r;
	e->self.pid = getpid();
	report_clear(r);
	model_reset(&e->model);
	e->ncreated = 0;
	for (int s = 0; s < IPCF_OBJS; s++) {
		struct obj_ref *ref = &e->slot_ref[s];
		memset(ref, 0, sizeof *ref);
		ref->id = -1;
		ref->slot = (uint8_t)s;
		ref->key = sandbox_sysv_key((unsigned)s);
		sandbox_posix_name(ref->name, sizeof ref->name, (unsigned)s, NAME_SLOT);
	}
	uint64_t t = prof_now();
	if (e->end_clean)
		audit_snapshot_carry(&e->snap, &e->end);
	else
		audit_snapshot(&e->snap);
	prof_add(PROF_TEARDOWN, t);
	prof_programs++;
	for (size_t i = 0; i < p->n && !report_failed(r); i++)
		step(e, (int)i);
	actor_watchdog_off();
	teardown(e);
	model_reset(&e->model); /* frees per-run state: mallocs balance per input */
	return report_failed(r) ? 1 : 0;
}

int executor_final_audit(struct executor *e, struct report *r)
{
	char why[2048] = "";
	static const struct prog empty = {0};

	e->p = &empty;
	e->r = r;
	report_clear(r);
	uring_ring_close(); /* the executor's own, kept from program to program */
	if (audit_full(why, sizeof why))
		report_leaks(e, "end of run", why);
	return report_failed(r) ? 1 : 0;
}
