/* The stress profile of `signal`.  A signal carries 8 bytes, its sigqueue
 * value, not a frame: so a frame's identity travels instead of its bytes,
 * packed into the value (producer 6 bits, length 14, sequence 34, a bit
 * for a frame handed over cut short, and 9 check bits over all that and
 * the payload bytes the producer handed over), queued to the consumer's
 * thread with rt_tgsigqueueinfo.  The consumer blocks the signal, takes
 * it with sigtimedwait, checks it came queued (SI_QUEUE) from this run's
 * uid, rebuilds the frame (a payload is the producer's pattern at an
 * offset its sequence number chooses) and checks the check bits.  The
 * driver then finds lost, duplicated and reordered signals as it does any
 * frame; a value that does not check, or a signal that was not queued, is
 * a corrupted frame.  Latency is not measured: the value has no room for
 * a send time.
 *
 * The channel's address is the consumer itself, so each consumer creates
 * its own and publishes it (the profile's consumer_creates); what was
 * queued to a consumer that is killed dies with it, and the driver's
 * stream rule accounts for it. */
#define _GNU_SOURCE
#include "sigframe.h"

#include "../../stress/frame.h"
#include "../mechanism.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SEQ_BITS  34u
#define SEQ_MASK  ((1ull << SEQ_BITS) - 1)
#define LEN_MASK  0x3fffull
#define PROD_MASK 63ull
#define MAX_FRAME 8192u

/* One real-time signal of the fuzzed alphabet's range. */
static int frame_signo(void)
{
	return SIGRTMIN + 3;
}

static uint64_t check_bits(uint64_t v)
{
	return frame_crc(&v, sizeof v) & 0x1ffu;
}

/* A frame's payload is the producer's pattern at an offset its sequence
 * number chooses (stress/frame.c), so the receiver can rebuild it: one
 * pattern per producer, made on first use and kept for the process. */
static const uint8_t *pattern_of(unsigned producer)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static uint8_t *patterns[PROD_MASK + 1];

	pthread_mutex_lock(&lock);
	if (!patterns[producer])
		patterns[producer] = frame_pattern_new((uint16_t)producer, MAX_FRAME);
	const uint8_t *p = patterns[producer];
	pthread_mutex_unlock(&lock);
	return p;
}

/* The frame's identity, whether all of it was handed over (n bytes of a
 * frame whose header says more: cut short), and a check over both and
 * over the payload's bytes as they were handed over. */
static uint64_t pack(const uint8_t *frame, const struct frame_hdr *h, size_t n)
{
	uint64_t v = (h->producer & PROD_MASK) | (h->len & LEN_MASK) << 6 |
		     (h->seq & SEQ_MASK) << 20 | (uint64_t)(n < h->len) << 54;
	uint32_t payload = n < h->len ? 0 : frame_crc(frame + FRAME_HDR, n - FRAME_HDR);
	return v | check_bits(v ^ payload) << 55;
}

static int sigframe_prepare(struct chan *c, const struct obj_ref *ref)
{
	sigset_t set;

	(void)c;
	(void)ref;
	sigemptyset(&set);
	sigaddset(&set, frame_signo());
	return -pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static long sigframe_send(struct chan *c, const uint8_t *frame, size_t n)
{
	struct frame_hdr h;
	siginfo_t si;

	if (n < FRAME_HDR)
		return -EMSGSIZE;
	memcpy(&h, frame, sizeof h);
	memset(&si, 0, sizeof si);
	si.si_signo = frame_signo();
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_ptr = (void *)(uintptr_t)pack(frame, &h, n);
	/* c->id is the consumer's process, c->role its thread. */
	if (syscall(SYS_rt_tgsigqueueinfo, c->id, c->role, frame_signo(), &si) == 0)
		return (long)n;
	if (errno == EAGAIN)
		sched_yield(); /* RLIMIT_SIGPENDING: the receiver is behind */
	return -errno;
}

static long sigframe_recv(struct chan *c, uint8_t *buf, size_t cap, int nowait)
{
	struct timespec zero = {0, 0};
	sigset_t set;
	siginfo_t si;

	(void)c;
	sigemptyset(&set);
	sigaddset(&set, frame_signo());
	if (sigtimedwait(&set, &si, nowait ? &zero : NULL) < 0)
		return -errno; /* EAGAIN: none; EINTR: the watchdog's tick */
	if (cap < FRAME_HDR)
		return -EMSGSIZE;
	uint64_t v = (uintptr_t)si.si_value.sival_ptr;
	uint32_t len = (uint32_t)(v >> 6 & LEN_MASK);
	unsigned producer = (unsigned)(v & PROD_MASK);
	int cut = (int)(v >> 54 & 1);
	const uint8_t *pattern = pattern_of(producer);
	if (si.si_code != SI_QUEUE || si.si_uid != getuid() || len < FRAME_HDR || len > cap ||
	    len > MAX_FRAME || !pattern)
		goto corrupted;
	/* The frame the producer built (its send time aside), then the check
	 * over what it handed over. */
	frame_build(buf, len, (uint16_t)producer, v >> 20 & SEQ_MASK, 0, pattern);
	uint32_t payload = cut ? 0 : frame_crc(buf + FRAME_HDR, len - FRAME_HDR);
	if (v >> 55 != check_bits((v & ~(~0ull << 55)) ^ payload)) {
		/* Its identity as it came, with a payload that fails: the
		 * driver counts that frame corrupted, not lost. */
		buf[len - 1] ^= 0xff;
		return len;
	}
	/* Cut short at the sender: less than the header says arrives. */
	return cut ? len - 1 : len;
corrupted:
	memset(buf, 0, FRAME_HDR); /* no frame's header */
	return FRAME_HDR;
}

const struct stress_profile sigframe_stress = {
	.kind = STRESS_MESSAGES,
	.max_frame = MAX_FRAME,
	.prepare = sigframe_prepare,
	.consumer_creates = 1,
	.frame_send = sigframe_send,
	.frame_recv = sigframe_recv,
};
