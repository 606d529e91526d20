/* UNIX sockets joined by their address: `join write` connects a socket of
 * the joiner's own to the path or abstract name the slot's create bound
 * (targets/common/socket.c), instead of inheriting the creator's pair.
 *
 * Who may is the access rule's (access.c, WANT_CONNECT: the path's
 * directory and file, or the abstract name's network namespace); then the
 * address must still have a socket bound to it (ECONNREFUSED): a datagram
 * receiver someone still holds, or the creator's listening socket, which
 * lives in the creator's handle on the slot until that handle closes.
 *
 * A datagram joiner sends into the receiver's queue, the object it joined.
 * A connected type (stream, seqpacket) makes a new connection: a new
 * object whose sender is the joiner and whose receiver is the creator,
 * which accepts it at once (a settle barrier) and lets go of what it held
 * in the slot before.  SO_PEERCRED (OPT_PEERCRED) names who connected, as
 * each side saw it then: a restarted actor is another process. */
#include "model.h"

#include "../../targets/common/socket.h"

#include <errno.h>
#include <string.h>

void sock_join_reset(struct model *m)
{
	memset(&m->sa, 0, sizeof m->sa);
	for (int s = 0; s < IPCF_OBJS; s++)
		m->sa.listener[s] = -1;
}

static bool by_connect(const struct model *m)
{
	return m->mech->access && m->mech->access->by_connect;
}

/* unix-dgram: a receiver bound to an address, no listening socket. */
static bool is_dgram(const struct model *m)
{
	return !strcmp(m->mech->id, "unix-dgram");
}

bool sock_join_connects(const struct model *m, const struct op *op)
{
	return by_connect(m) && op->kind == OP_JOIN &&
	       (op->flags & (OPF_READ | OPF_WRITE)) == OPF_WRITE && m->slot_kobj[op->obj] >= 0 &&
	       m->sa.has_addr[op->obj];
}

static struct sock_peer peer_now(const struct model *m, int actor)
{
	return (struct sock_peer){(int8_t)actor, m->sa.life[actor], m->cred[actor].uid,
				  m->cred[actor].gid};
}

static const struct sock_peer nobody = {.actor = -1};

int sock_join_created(struct model *m, const struct op *op, int k)
{
	unsigned form = op_create_form(op);
	bool addr = form == NAME_SLOT || form == NAME_PRIVATE;
	int err;

	if (!by_connect(m))
		return 0;
	/* The create connects its own sender to the path it bound. */
	if (addr && m->objs[k].perm.dir_mode &&
	    (err = access_check(m, op->actor, &m->objs[k], WANT_CONNECT, op)))
		return err;
	m->sa.has_addr[op->obj] = addr;
	m->sa.unlinked[op->obj] = false;
	m->sa.listener[op->obj] = addr && !is_dgram(m) ? (int8_t)op->actor : -1;
	m->sa.joined[k] = false;
	/* A datagram socket bound or connected by address has no peer
	 * credentials; a pair's sockets name the one who made them. */
	m->sa.peer[k][0] = m->sa.peer[k][1] = addr && is_dgram(m) ? nobody : peer_now(m, op->actor);
	return 0;
}

void sock_join_closed(struct model *m, int actor, int slot)
{
	if (m->sa.listener[slot] == actor)
		m->sa.listener[slot] = -1;
}

void sock_join_actor_gone(struct model *m, int actor)
{
	m->sa.life[actor]++;
}

static void fail(struct expect *ex, int err)
{
	ex->ret = -1;
	ex->err = err;
}

/* The joiner's old handle in the slot is closed already (model.c). */
void sock_join_step(struct model *m, const struct op *op, struct step *st)
{
	int slot = op->obj, k1 = m->slot_kobj[slot], err;
	const struct kobj *o = &m->objs[k1];

	if (o->perm.dir_mode && m->sa.unlinked[slot] && o->ns == access_ns(m, op->actor)) {
		fail(&st->ex, ENOENT);
		return;
	}
	if ((err = access_check(m, op->actor, o, WANT_CONNECT, op))) {
		fail(&st->ex, err);
		return;
	}
	if (is_dgram(m)) {
		if (!model_count_ends(m, k1, OPF_READ)) {
			fail(&st->ex, ECONNREFUSED); /* nobody holds the receiver */
			return;
		}
		m->h[op->actor][slot] =
			(struct handle){.kobj = k1, .ends = OPF_WRITE, .role = ROLE_JOINER};
		m->sa.joined[k1] = true;
		return;
	}
	int creator = m->sa.listener[slot];
	if (creator < 0) {
		fail(&st->ex, ECONNREFUSED); /* the listening socket is closed */
		return;
	}
	int k2 = model_new_kobj(m, op);
	if (k2 < 0) {
		st->how = STEP_SKIP; /* more objects than the model keeps */
		st->ex.skipped = true;
		return;
	}
	/* The creator accepts after this op and drops what it held in the
	 * slot: whoever waits on that (itself included) is interrupted
	 * first, as the close would race with collecting them. */
	int held = m->h[creator][slot].kobj;
	for (int a = 1; a < IPCF_ACTORS; a++)
		if (m->pend[a].active && (a == creator || m->pend[a].kobj == held))
			model_cancel_first(m, a);
	model_close(m, creator, slot);
	m->sa.listener[slot] = (int8_t)creator;
	m->h[creator][slot] = (struct handle){.kobj = k2, .ends = OPF_READ, .role = ROLE_CREATOR};
	m->h[op->actor][slot] = (struct handle){.kobj = k2, .ends = OPF_WRITE, .role = ROLE_JOINER};
	m->sa.joined[k2] = false;
	m->sa.peer[k2][0] = peer_now(m, op->actor); /* the accepted socket: who connected */
	m->sa.peer[k2][1] = peer_now(m, creator);   /* the joiner's: who listened */
	model_settle(m, creator, slot, 1);
}

void sock_join_destroy(struct model *m, const struct op *op, struct expect *ex)
{
	int k = m->slot_kobj[op->obj], err;

	if (!by_connect(m) || k < 0 || !m->sa.has_addr[op->obj] || !m->objs[k].perm.dir_mode ||
	    m->sa.unlinked[op->obj] || m->objs[k].ns != access_ns(m, op->actor))
		return; /* nothing there to remove: ENOENT, which destroy ignores */
	if ((err = access_check(m, op->actor, &m->objs[k], WANT_UNLINK, op))) {
		fail(ex, err);
		return;
	}
	m->sa.unlinked[op->obj] = true;
}

bool sock_join_perm(const struct model *m, const struct op *op, int *k, struct expect *ex)
{
	int s = m->slot_kobj[op->obj];

	if (!by_connect(m))
		return false;
	if (s < 0 || !m->sa.has_addr[op->obj] || !m->objs[s].perm.dir_mode) {
		fail(ex, ENOTSUP); /* an abstract name or a pair: no file */
		return true;
	}
	if (m->sa.unlinked[op->obj] || m->objs[s].ns != access_ns(m, op->actor)) {
		fail(ex, ENOENT);
		return true;
	}
	*k = s;
	return false;
}

bool sock_join_peercred(struct model *m, const struct kobj *o, const struct op *op,
			struct expect *ex)
{
	const struct handle *h = &m->h[op->actor][op->obj];

	if (op->arg != OPT_PEERCRED)
		return false;
	if (!by_connect(m)) {
		fail(ex, ENOTSUP);
		return true;
	}
	const struct sock_peer *p = &m->sa.peer[model_kobj_index(m, o)][h->ends & OPF_READ ? 0 : 1];
	if (p->actor < 0) {
		ex->ret = sock_peer_word(0, UINT32_MAX, UINT32_MAX);
		return true;
	}
	unsigned who =
		m->sa.life[p->actor] == p->life ? (unsigned)p->actor + 1 : SOCK_ANC_CRED_OTHER;
	ex->ret = sock_peer_word(who, p->uid, p->gid);
	return true;
}

int64_t sock_join_cred_ids(const struct model *m, int actor)
{
	return (int64_t)sock_id_code(m->cred[actor].uid) << SOCK_ANC_UID_SHIFT |
	       (int64_t)sock_id_code(m->cred[actor].gid) << SOCK_ANC_GID_SHIFT;
}
