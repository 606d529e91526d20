#define _GNU_SOURCE
#include "sigrec.h"

#include <signal.h>
#include <string.h>

enum sig_kind sig_kind(int sig)
{
	switch (sig) {
	case SIGHUP:
	case SIGINT:
	case SIGUSR1:
	case SIGUSR2:
	case SIGALRM:
	case SIGTERM:
	case SIGSTKFLT:
	case SIGVTALRM:
	case SIGPROF:
	case SIGIO:
	case SIGPWR:
		return SIGK_TERM;
	case SIGCHLD:
	case SIGCONT:
	case SIGURG:
	case SIGWINCH:
		return SIGK_IGN;
	case SIGKILL:
		return SIGK_KILL;
	case SIGSTOP:
		return SIGK_STOP;
	}
	/* Real-time signals, but not SIGRTMAX-1 (the harness's kick) nor
	 * SIGRTMAX (left free, so the mask fits a positive int64). */
	if (sig >= SIGRTMIN && sig <= SIGRTMAX - 2)
		return SIGK_TERM;
	return SIGK_NONE;
}

uint64_t sig_alphabet(void)
{
	static uint64_t bits;

	if (!bits)
		for (int s = 1; s <= 64; s++)
			if (sig_kind(s) == SIGK_TERM || sig_kind(s) == SIGK_IGN)
				bits |= SIG_BIT(s);
	return bits;
}

void sig_alphabet_set(void *sigset)
{
	sigset_t *set = sigset;
	uint64_t bits = sig_alphabet();

	sigemptyset(set);
	for (int s = 1; s <= 64; s++)
		if (bits & SIG_BIT(s))
			sigaddset(set, s);
}

int32_t sig_value(const uint8_t *payload, unsigned k, uint8_t seed)
{
	return (int32_t)(payload[k] | (k << 8) | ((uint32_t)seed << 16));
}

void sigrec_put(uint8_t *out, const struct sigrec *r)
{
	uint32_t v = (uint32_t)r->value;

	out[0] = r->signo;
	out[1] = (uint8_t)r->code;
	out[2] = r->sender;
	out[3] = r->how;
	for (int i = 0; i < 4; i++)
		out[4 + i] = (uint8_t)(v >> (8 * i));
}
