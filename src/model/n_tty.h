/* The N_TTY line discipline of one pseudo-terminal pair, as a model: what
 * the slave reads after the master writes (canonical lines, editing, input
 * translation, VMIN/VTIME), what the master reads (echo and the slave's
 * output after OPOST processing), flow control and the signals ISIG
 * characters raise.  It follows drivers/tty/n_tty.c (6.x) step by step,
 * including its echo buffer and column arithmetic, because the exact
 * bytes a terminal echoes for an erase depend on them.
 *
 * Where the kernel's result would depend on buffer memory accounting
 * (nearly full buffers), the model stops following and says so
 * (`overflow`): the class model then calls results unsure. */
#ifndef IPCFUZZ_N_TTY_H
#define IPCFUZZ_N_TTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NTTY_NCCS 19
#define NTTY_BUF  4096
/* How much may wait unread on either side before the model stops. */
#define NTTY_COMFORT 2048

struct ntty_termios {
	uint32_t iflag, oflag, cflag, lflag;
	uint8_t cc[NTTY_NCCS];
};

struct ntty {
	struct ntty_termios t;
	/* The slave's line discipline (input from the master). */
	uint8_t read_buf[NTTY_BUF];
	uint8_t read_flags[NTTY_BUF]; /* line delimiters */
	size_t read_head, read_tail, canon_head, commit_head, line_start;
	bool lnext, erasing, push, icanon, raw, real_raw;
	uint8_t char_map[256];
	unsigned column, canon_column;
	uint8_t echo_buf[NTTY_BUF];
	size_t echo_head, echo_tail, echo_commit, echo_mark;
	bool stopped; /* IXON: the slave's output is stopped */
	/* The master's input: what the slave wrote and echoed. */
	uint8_t master[NTTY_BUF * 2];
	size_t master_len;
	/* Echo bytes that reached the master while a write was being received
	 * (an ISIG flush may race with their delivery). */
	size_t echoed_in_receive;
	bool overflow; /* the model no longer follows this pair */
	/* The last receive completed a line and then flushed it (ISIG): a
	 * reader woken by that line races with the flush. */
	bool line_in_receive, flush_after_line;
	/* Raised signals go here (SIGINT/SIGQUIT/SIGTSTP to the foreground
	 * process group). */
	void (*isig)(void *owner, int sig);
	void *owner;
};

/* A new pair: the pts driver's initial termios, empty buffers. */
void ntty_init(struct ntty *n);
/* The termios a program set (TCSETS on either side: both act on the slave). */
void ntty_set_termios(struct ntty *n, const struct ntty_termios *t);
/* The pty's initial termios (for OPT_SANE). */
void ntty_initial_termios(struct ntty_termios *t);

/* The master wrote buf: the slave's line discipline receives it. */
void ntty_receive(struct ntty *n, const uint8_t *buf, size_t len);
/* The slave writes: returns bytes accepted, or -EAGAIN when the output is
 * stopped (nothing accepted). */
long ntty_slave_write(struct ntty *n, const uint8_t *buf, size_t len);

/* A read of nr bytes on the slave.  Returns the byte count (data in out),
 * -EAGAIN (non-blocking, nothing there) or NTTY_WOULD_BLOCK (a blocking
 * read would wait; nothing changed); *pollable says such a wait would end
 * with exactly one event (a whole line, or any byte with VMIN 1). */
#define NTTY_WOULD_BLOCK (-100000L)
long ntty_slave_read(struct ntty *n, size_t nr, bool nonblock, uint8_t *out, bool *pollable);
/* A read of nr bytes on the master (raw, VMIN 1): count or -EAGAIN. */
long ntty_master_read(struct ntty *n, size_t nr, uint8_t *out);

/* What FIONREAD says on the slave; whether poll() sees input there. */
size_t ntty_slave_inq(const struct ntty *n);
bool ntty_slave_input_available(const struct ntty *n);

/* The master closed: the slave's buffers go (tty_vhangup). */
void ntty_hangup(struct ntty *n);

#endif
