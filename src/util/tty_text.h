/* What a pty write sends: the op's payload shaped into terminal input, so
 * programs exercise lines, editing and control characters on purpose (a
 * uniformly random byte hits each of them one time in 256).  The sender
 * and the model both call this, so they agree on every byte. */
#ifndef IPCFUZZ_TTY_TEXT_H
#define IPCFUZZ_TTY_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Above this a pty write's partial progress depends on the kernel's
 * flip-buffer memory accounting, which the model does not follow: the
 * target writes at most this much per op. */
#define TTY_WRITE_MAX 1024u

enum tty_shape {
	SHAPE_RAW,    /* every byte value: raw mode must pass them through */
	SHAPE_TEXT,   /* letters, spaces, CR, LF and the default control chars */
	SHAPE_LINE,   /* letters, then LF */
	SHAPE_CR,     /* letters, then CR (ICRNL) */
	SHAPE_EOF,    /* letters, then VEOF (^D) */
	SHAPE_EDIT,   /* letters with erase (DEL), word erase (^W) and kill (^U) */
	SHAPE_SIGNAL, /* letters, then ^C, ^\ or ^Z (by the seed) */
	SHAPE_TABS,   /* letters, tabs and erases (column arithmetic) */
	SHAPE_COUNT
};

/* Fills out[0..len) from payload[0..len) by shape (arg mod SHAPE_COUNT). */
void tty_shape_bytes(uint8_t *out, const uint8_t *payload, size_t len, int arg, uint8_t seed);

#endif
