/* What the process and thread supervisors share: phases, stall detection,
 * ledger page release and the progress line. */
#include "ctx.h"
#include "frame.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MS	   1000000ull
#define STALL_MS   5000u /* nothing sent or received for this long: stuck */
#define DRAIN_MS   10000u
#define RELEASE_MS 100u
#define LINE_MS	   250u

volatile sig_atomic_t stress_interrupted;

static const char *const phase_names[] = {"run", "stop", "drain", "abort"};

void supervise_init(struct supervisor *s, struct stress_ctx *x)
{
	memset(s, 0, sizeof *s);
	s->x = x;
	s->changed_ns = s->phase_ns = frame_now_ns();
}

void supervise_phase(struct supervisor *s, enum phase p)
{
	atomic_store(s->x->area.phase, p);
	s->phase_ns = s->changed_ns = frame_now_ns();
}

void supervise_fail(struct stress_ctx *x, const char *fmt, ...)
{
	char *f = x->res->failures;
	size_t n = strlen(f), cap = sizeof x->res->failures;
	va_list ap;

	if (n + 2 >= cap)
		return;
	va_start(ap, fmt);
	vsnprintf(f + n, cap - n - 1, fmt, ap);
	va_end(ap);
	n = strlen(f);
	f[n] = '\n';
	f[n + 1] = 0;
}

static void totals(struct stress_ctx *x, uint64_t *sent, uint64_t *received, uint64_t *bytes,
		   unsigned *kills)
{
	struct area *a = &x->area;

	*sent = *received = *bytes = 0;
	*kills = 0;
	for (unsigned p = 0; p < a->nprod; p++) {
		*sent += prod_next(atomic_load_explicit(&a->prod[p].state, memory_order_relaxed));
		*kills += a->prod[p].kills;
	}
	for (unsigned c = 0; c < a->ncons; c++) {
		*received += ctr(&a->cons[c].received);
		*bytes += ctr(&a->cons[c].bytes);
		*kills += a->cons[c].kills;
	}
}

int supervise_tick(struct supervisor *s, unsigned producers_left, unsigned consumers_left)
{
	struct stress_ctx *x = s->x;
	uint64_t now = frame_now_ns(), sent, received, bytes;
	unsigned kills;
	enum phase ph = area_phase(&x->area);

	if (ph == PHASE_RUN && !x->opt->messages &&
	    now - x->start_ns >= (uint64_t)(x->opt->seconds * 1e9))
		supervise_phase(s, ph = PHASE_STOP);
	if (ph < PHASE_DRAIN && !producers_left)
		supervise_phase(s, ph = PHASE_DRAIN);
	now = frame_now_ns(); /* not before phase_ns */
	if (ph >= PHASE_DRAIN && !producers_left && !consumers_left)
		return 1;
	if (ph == PHASE_ABORT)
		return 0;

	totals(x, &sent, &received, &bytes, &kills);
	if (sent + received != s->progress) {
		s->progress = sent + received;
		s->changed_ns = now;
	} else if (now - s->changed_ns > STALL_MS * MS) {
		snprintf(s->stall, sizeof s->stall,
			 "stalled: nothing sent or received for %u ms in phase %s (sent %llu, "
			 "received %llu)",
			 STALL_MS, phase_names[ph], (unsigned long long)sent,
			 (unsigned long long)received);
		return -1;
	}
	if (ph == PHASE_DRAIN && now - s->phase_ns > DRAIN_MS * MS) {
		snprintf(s->stall, sizeof s->stall, "stalled: consumers still draining after %u ms",
			 DRAIN_MS);
		return -1;
	}
	if (now - s->release_ns > RELEASE_MS * MS) {
		s->release_ns = now;
		for (unsigned p = 0; p < x->area.nprod; p++)
			ledger_release(&x->ledger, p,
				       prod_next(atomic_load(&x->area.prod[p].state)));
	}
	if (x->opt->progress && now - s->line_ns > LINE_MS * MS) {
		s->line_ns = now;
		metrics_progress(x->mech->id, (double)(now - x->start_ns) / 1e9, sent, received,
				 bytes, kills);
	}
	return 0;
}
