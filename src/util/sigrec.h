/* What the signal target and the tty's signals share with their models:
 * which signals programs may use (and what their default action is), the
 * value a sigqueue carries, and the 8-byte record a received signal becomes
 * (the data the executor compares). */
#ifndef IPCFUZZ_SIGREC_H
#define IPCFUZZ_SIGREC_H

#include <stdbool.h>
#include <stdint.h>

#define SIG_BIT(s) (1ull << ((s)-1))

/* What a signal does in a peer.  Signals outside the alphabet are never
 * sent: the harness needs them (the kick), glibc does (32, 33), they dump
 * core, or they would stop a peer whose process group may or may not be
 * orphaned (the kernel then discards or stops: not determined by us). */
enum sig_kind {
	SIGK_NONE, /* not used by programs */
	SIGK_TERM, /* default action: terminate */
	SIGK_IGN,  /* default action: ignore (SIGCHLD, SIGCONT, SIGURG, SIGWINCH) */
	SIGK_KILL, /* SIGKILL: cannot be caught, blocked or ignored */
	SIGK_STOP, /* SIGSTOP: likewise; never sent (it would stop a peer) */
};
enum sig_kind sig_kind(int sig);
/* Every signal of kind TERM or IGN: what a peer blocks at rest. */
uint64_t sig_alphabet(void);
/* The alphabet as a sigset_t (callers cast; avoids <signal.h> here). */
void sig_alphabet_set(void *sigset);

/* The value the k-th signal of a burst carries (sigqueue): from the op's
 * payload, so the model and the sender agree. */
int32_t sig_value(const uint8_t *payload, unsigned k, uint8_t seed);

/* How a signal was received. */
enum sigrec_how { HOW_WAIT, HOW_FD, HOW_HANDLER };
/* Who sent it, beyond an actor index. */
enum { SENDER_GONE = 0xfe, SENDER_NONE = 0xff };

struct sigrec {
	uint8_t signo;
	int8_t code;	/* si_code: SI_USER 0, SI_QUEUE -1, SI_TKILL -6, SI_KERNEL -128 */
	uint8_t sender; /* actor index, SENDER_GONE (not running now), SENDER_NONE (pid 0) */
	uint8_t how;	/* enum sigrec_how */
	int32_t value;	/* si_value for SI_QUEUE, else 0 */
};
#define SIGREC_BYTES 8
void sigrec_put(uint8_t *out, const struct sigrec *r);

#endif
