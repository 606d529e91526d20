/* N_TTY, modelled: see n_tty.h.  Function names follow
 * drivers/tty/n_tty.c so the two can be read side by side; the pty driver
 * (pty_write into the other side's buffer) is folded in. */
#define _GNU_SOURCE
#include "n_tty.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <termios.h>

#define MASK(x)	      ((x) & (NTTY_BUF - 1))
#define DISABLED_CHAR 0

#define ECHO_OP_START	      0xff
#define ECHO_OP_MOVE_BACK_COL 0x80
#define ECHO_OP_SET_CANON_COL 0x81
#define ECHO_OP_ERASE_TAB     0x82
#define ECHO_COMMIT_WATERMARK 256
#define ECHO_BLOCK	      256

#ifndef IUTF8
#define IUTF8 0040000
#endif

#define I(n, f)	 (((n)->t.iflag & (f)) != 0)
#define O(n, f)	 (((n)->t.oflag & (f)) != 0)
#define L(n, f)	 (((n)->t.lflag & (f)) != 0)
#define CC(n, i) ((n)->t.cc[i])

/* The kernel's ctype (lib/ctype.c): Latin-1, unlike the C locale. */
enum { C_U = 1, C_L = 2, C_D = 4, C_C = 8, C_P = 16, C_S = 32 };
static const uint8_t kctype[256] = {
	C_C,
	C_C,
	C_C,
	C_C,
	C_C,
	C_C,
	C_C,
	C_C,
	C_C,
	C_C | C_S,
	C_C | C_S,
	C_C | C_S,
	C_C | C_S,
	C_C | C_S,
	C_C,
	C_C,
	C_C,
	C_C,
	C_C,
	C_C,
	C_C,
	C_C,
	C_C,
	C_C,
	C_C,
	C_C,
	C_C,
	C_C,
	C_C,
	C_C,
	C_C,
	C_C,
	C_S,
	C_P,
	C_P,
	C_P,
	C_P,
	C_P,
	C_P,
	C_P,
	C_P,
	C_P,
	C_P,
	C_P,
	C_P,
	C_P,
	C_P,
	C_P,
	C_D,
	C_D,
	C_D,
	C_D,
	C_D,
	C_D,
	C_D,
	C_D,
	C_D,
	C_D,
	C_P,
	C_P,
	C_P,
	C_P,
	C_P,
	C_P,
	C_P,
	C_U,
	C_U,
	C_U,
	C_U,
	C_U,
	C_U,
	C_U,
	C_U,
	C_U,
	C_U,
	C_U,
	C_U,
	C_U,
	C_U,
	C_U,
	C_U,
	C_U,
	C_U,
	C_U,
	C_U,
	C_U,
	C_U,
	C_U,
	C_U,
	C_U,
	C_U,
	C_P,
	C_P,
	C_P,
	C_P,
	C_P,
	C_P,
	C_L,
	C_L,
	C_L,
	C_L,
	C_L,
	C_L,
	C_L,
	C_L,
	C_L,
	C_L,
	C_L,
	C_L,
	C_L,
	C_L,
	C_L,
	C_L,
	C_L,
	C_L,
	C_L,
	C_L,
	C_L,
	C_L,
	C_L,
	C_L,
	C_L,
	C_L,
	C_P,
	C_P,
	C_P,
	C_P,
	C_C,
	[160] = C_S,
	[161 ... 191] = C_P,
	[192 ... 214] = C_U,
	[215] = C_P,
	[216 ... 222] = C_U,
	[223 ... 246] = C_L,
	[247] = C_P,
	[248 ... 255] = C_L,
};

static bool k_iscntrl(uint8_t c)
{
	return kctype[c] & C_C;
}
static bool k_isalnum(uint8_t c)
{
	return kctype[c] & (C_U | C_L | C_D);
}
static uint8_t k_tolower(uint8_t c)
{
	return (kctype[c] & C_U) ? (uint8_t)(c + 32) : c;
}
static uint8_t k_toupper(uint8_t c)
{
	return (kctype[c] & C_L) ? (uint8_t)(c - 32) : c;
}

static size_t read_cnt(const struct ntty *n)
{
	return n->read_head - n->read_tail;
}

static uint8_t read_buf(const struct ntty *n, size_t i)
{
	return n->read_buf[MASK(i)];
}

static void put_tty_queue(struct ntty *n, uint8_t c)
{
	n->read_buf[MASK(n->read_head)] = c;
	n->read_head++;
}

static bool is_continuation(const struct ntty *n, uint8_t c)
{
	return I(n, IUTF8) && (c & 0xc0) == 0x80;
}

/* -- the pty driver: the slave's output lands in the master's input ---- */

static int write_room(const struct ntty *n)
{
	return n->stopped ? 0 : 8192; /* pty_write_room: ample within comfort */
}

static void pty_write(struct ntty *n, const uint8_t *buf, size_t len)
{
	if (n->master_len + len > NTTY_COMFORT) {
		n->overflow = true;
		return;
	}
	memcpy(n->master + n->master_len, buf, len);
	n->master_len += len;
}

static void put_char(struct ntty *n, uint8_t c)
{
	pty_write(n, &c, 1);
}

/* -- output processing (OPOST) ------------------------------------------ */

static int do_output_char(struct ntty *n, uint8_t c, int space)
{
	int spaces;

	if (!space)
		return -1;
	switch (c) {
	case '\n':
		if (O(n, ONLRET))
			n->column = 0;
		if (O(n, ONLCR)) {
			if (space < 2)
				return -1;
			n->canon_column = n->column = 0;
			pty_write(n, (const uint8_t *)"\r\n", 2);
			return 2;
		}
		n->canon_column = n->column;
		break;
	case '\r':
		if (O(n, ONOCR) && n->column == 0)
			return 0;
		if (O(n, OCRNL)) {
			c = '\n';
			if (O(n, ONLRET))
				n->canon_column = n->column = 0;
			break;
		}
		n->canon_column = n->column = 0;
		break;
	case '\t':
		spaces = 8 - (int)(n->column & 7);
		if ((n->t.oflag & TABDLY) == XTABS) {
			if (space < spaces)
				return -1;
			n->column += (unsigned)spaces;
			pty_write(n, (const uint8_t *)"        ", (size_t)spaces);
			return spaces;
		}
		n->column += (unsigned)spaces;
		break;
	case '\b':
		if (n->column > 0)
			n->column--;
		break;
	default:
		if (!k_iscntrl(c)) {
			if (O(n, OLCUC))
				c = k_toupper(c);
			if (!is_continuation(n, c))
				n->column++;
		}
		break;
	}
	put_char(n, c);
	return 1;
}

/* -- echo buffer ------------------------------------------------------------ */

static uint8_t echo_buf(const struct ntty *n, size_t i)
{
	return n->echo_buf[MASK(i)];
}

static int process_echo_ops(struct ntty *n, size_t *tail, int space)
{
	uint8_t op;

	if (MASK(n->echo_commit) == MASK(*tail + 1))
		return -ENODATA;
	op = echo_buf(n, *tail + 1);
	switch (op) {
	case ECHO_OP_ERASE_TAB: {
		unsigned num_chars, num_bs;
		if (MASK(n->echo_commit) == MASK(*tail + 2))
			return -ENODATA;
		num_chars = echo_buf(n, *tail + 2);
		if (!(num_chars & 0x80))
			num_chars += n->canon_column;
		num_bs = 8 - (num_chars & 7);
		if ((int)num_bs > space)
			return -ENOSPC;
		space -= (int)num_bs;
		while (num_bs--) {
			put_char(n, '\b');
			if (n->column > 0)
				n->column--;
		}
		*tail += 3;
		break;
	}
	case ECHO_OP_SET_CANON_COL:
		n->canon_column = n->column;
		*tail += 2;
		break;
	case ECHO_OP_MOVE_BACK_COL:
		if (n->column > 0)
			n->column--;
		*tail += 2;
		break;
	case ECHO_OP_START:
		if (!space)
			return -ENOSPC;
		put_char(n, ECHO_OP_START);
		n->column++;
		space--;
		*tail += 2;
		break;
	default:
		if (space < 2)
			return -ENOSPC;
		put_char(n, '^');
		put_char(n, op ^ 0100);
		n->column += 2;
		space -= 2;
		*tail += 2;
		break;
	}
	return space;
}

static size_t process_echoes_locked(struct ntty *n)
{
	int space, old_space;
	size_t tail, before = n->master_len;

	old_space = space = write_room(n);
	tail = n->echo_tail;
	while (MASK(n->echo_commit) != MASK(tail)) {
		uint8_t c = echo_buf(n, tail);
		if (c == ECHO_OP_START) {
			int ret = process_echo_ops(n, &tail, space);
			if (ret == -ENODATA)
				break;
			if (ret < 0)
				break;
			space = ret;
		} else {
			if (O(n, OPOST)) {
				int r = do_output_char(n, c, space);
				if (r < 0)
					break;
				space -= r;
			} else {
				if (!space)
					break;
				put_char(n, c);
				space -= 1;
			}
			tail += 1;
		}
	}
	n->echo_tail = tail;
	n->echoed_in_receive += n->master_len - before;
	return (size_t)(old_space - space);
}

static void commit_echoes(struct ntty *n)
{
	size_t nr, old, head = n->echo_head;

	n->echo_mark = head;
	old = n->echo_commit - n->echo_tail;
	nr = head - n->echo_tail;
	if (nr < ECHO_COMMIT_WATERMARK || (nr % ECHO_BLOCK > old % ECHO_BLOCK))
		return;
	n->echo_commit = head;
	process_echoes_locked(n);
}

static void process_echoes(struct ntty *n)
{
	if (n->echo_mark == n->echo_tail)
		return;
	n->echo_commit = n->echo_mark;
	process_echoes_locked(n);
}

static void flush_echoes(struct ntty *n)
{
	if ((!L(n, ECHO) && !L(n, ECHONL)) || n->echo_commit == n->echo_head)
		return;
	n->echo_commit = n->echo_head;
	process_echoes_locked(n);
}

static void add_echo_byte(struct ntty *n, uint8_t c)
{
	n->echo_buf[MASK(n->echo_head)] = c;
	n->echo_head++;
}

static void echo_move_back_col(struct ntty *n)
{
	add_echo_byte(n, ECHO_OP_START);
	add_echo_byte(n, ECHO_OP_MOVE_BACK_COL);
}

static void echo_set_canon_col(struct ntty *n)
{
	add_echo_byte(n, ECHO_OP_START);
	add_echo_byte(n, ECHO_OP_SET_CANON_COL);
}

static void echo_erase_tab(struct ntty *n, unsigned num_chars, bool after_tab)
{
	add_echo_byte(n, ECHO_OP_START);
	add_echo_byte(n, ECHO_OP_ERASE_TAB);
	num_chars &= 7;
	if (after_tab)
		num_chars |= 0x80;
	add_echo_byte(n, (uint8_t)num_chars);
}

static void echo_char_raw(struct ntty *n, uint8_t c)
{
	if (c == ECHO_OP_START) {
		add_echo_byte(n, ECHO_OP_START);
		add_echo_byte(n, ECHO_OP_START);
	} else {
		add_echo_byte(n, c);
	}
}

static void echo_char(struct ntty *n, uint8_t c)
{
	if (c == ECHO_OP_START) {
		add_echo_byte(n, ECHO_OP_START);
		add_echo_byte(n, ECHO_OP_START);
	} else {
		if (L(n, ECHOCTL) && k_iscntrl(c) && c != '\t')
			add_echo_byte(n, ECHO_OP_START);
		add_echo_byte(n, c);
	}
}

static void finish_erasing(struct ntty *n)
{
	if (n->erasing) {
		echo_char_raw(n, '/');
		n->erasing = false;
	}
}

/* -- input --------------------------------------------------------------- */

static void eraser(struct ntty *n, uint8_t c)
{
	enum { ERASE, WERASE, KILL } kill_type;
	size_t head, cnt;
	int seen_alnums;

	if (n->read_head == n->canon_head)
		return;
	if (c == CC(n, VERASE))
		kill_type = ERASE;
	else if (c == CC(n, VWERASE))
		kill_type = WERASE;
	else {
		if (!L(n, ECHO)) {
			n->read_head = n->canon_head;
			return;
		}
		if (!L(n, ECHOK) || !L(n, ECHOKE) || !L(n, ECHOE)) {
			n->read_head = n->canon_head;
			finish_erasing(n);
			echo_char(n, CC(n, VKILL));
			if (L(n, ECHOK))
				echo_char_raw(n, '\n');
			return;
		}
		kill_type = KILL;
	}
	seen_alnums = 0;
	while (MASK(n->read_head) != MASK(n->canon_head)) {
		head = n->read_head;
		do {
			head--;
			c = read_buf(n, head);
		} while (is_continuation(n, c) && MASK(head) != MASK(n->canon_head));
		if (is_continuation(n, c))
			break;
		if (kill_type == WERASE) {
			if (k_isalnum(c) || c == '_')
				seen_alnums++;
			else if (seen_alnums)
				break;
		}
		cnt = n->read_head - head;
		n->read_head = head;
		if (L(n, ECHO)) {
			if (L(n, ECHOPRT)) {
				if (!n->erasing) {
					echo_char_raw(n, '\\');
					n->erasing = true;
				}
				echo_char(n, c);
				while (--cnt > 0) {
					head++;
					echo_char_raw(n, read_buf(n, head));
					echo_move_back_col(n);
				}
			} else if (kill_type == ERASE && !L(n, ECHOE)) {
				echo_char(n, CC(n, VERASE));
			} else if (c == '\t') {
				unsigned num_chars = 0;
				bool after_tab = false;
				size_t tail = n->read_head;
				while (MASK(tail) != MASK(n->canon_head)) {
					tail--;
					c = read_buf(n, tail);
					if (c == '\t') {
						after_tab = true;
						break;
					} else if (k_iscntrl(c)) {
						if (L(n, ECHOCTL))
							num_chars += 2;
					} else if (!is_continuation(n, c)) {
						num_chars++;
					}
				}
				echo_erase_tab(n, num_chars, after_tab);
			} else {
				if (k_iscntrl(c) && L(n, ECHOCTL)) {
					echo_char_raw(n, '\b');
					echo_char_raw(n, ' ');
					echo_char_raw(n, '\b');
				}
				if (!k_iscntrl(c) || L(n, ECHOCTL)) {
					echo_char_raw(n, '\b');
					echo_char_raw(n, ' ');
					echo_char_raw(n, '\b');
				}
			}
		}
		if (kill_type == ERASE)
			break;
	}
	if (n->read_head == n->canon_head && L(n, ECHO))
		finish_erasing(n);
}

static void reset_buffer_flags(struct ntty *n)
{
	n->read_head = n->canon_head = n->read_tail = 0;
	n->commit_head = 0;
	n->line_start = 0;
	n->erasing = false;
	memset(n->read_flags, 0, sizeof n->read_flags);
	n->push = false;
}

static void isig(struct ntty *n, int sig)
{
	if (n->isig)
		n->isig(n->owner, sig);
	if (L(n, NOFLSH))
		return;
	/* Echoes waiting in the echo buffer go; echoes already handed to the
	 * pty may have reached the master's buffer or not (the flush of the
	 * master's flip buffer races with its worker): not followed. */
	n->echo_head = n->echo_tail = 0;
	n->echo_mark = n->echo_commit = 0;
	if (n->echoed_in_receive)
		n->overflow = true;
	if (n->line_in_receive)
		n->flush_after_line = true;
	reset_buffer_flags(n);
}

static void start_tty(struct ntty *n)
{
	n->stopped = false;
}

static void receive_signal_char(struct ntty *n, int sig, uint8_t c)
{
	isig(n, sig);
	if (I(n, IXON))
		start_tty(n);
	if (L(n, ECHO)) {
		echo_char(n, c);
		commit_echoes(n);
	} else {
		process_echoes(n);
	}
}

static bool receive_char_flow_ctrl(struct ntty *n, uint8_t c)
{
	if (c != CC(n, VSTART) && c != CC(n, VSTOP))
		return false;
	if (c == CC(n, VSTART)) {
		start_tty(n);
		process_echoes(n);
		return true;
	}
	n->stopped = true;
	return true;
}

static void handle_newline(struct ntty *n, uint8_t c)
{
	n->read_flags[MASK(n->read_head)] = 1;
	put_tty_queue(n, c);
	n->canon_head = n->read_head;
	n->line_in_receive = true;
}

static bool receive_char_canon(struct ntty *n, uint8_t c)
{
	if (c == CC(n, VERASE) || c == CC(n, VKILL) || (c == CC(n, VWERASE) && L(n, IEXTEN))) {
		eraser(n, c);
		commit_echoes(n);
		return true;
	}
	if (c == CC(n, VLNEXT) && L(n, IEXTEN)) {
		n->lnext = true;
		if (L(n, ECHO)) {
			finish_erasing(n);
			if (L(n, ECHOCTL)) {
				echo_char_raw(n, '^');
				echo_char_raw(n, '\b');
				commit_echoes(n);
			}
		}
		return true;
	}
	if (c == CC(n, VREPRINT) && L(n, ECHO) && L(n, IEXTEN)) {
		size_t tail = n->canon_head;
		finish_erasing(n);
		echo_char(n, c);
		echo_char_raw(n, '\n');
		while (MASK(tail) != MASK(n->read_head)) {
			echo_char(n, read_buf(n, tail));
			tail++;
		}
		commit_echoes(n);
		return true;
	}
	if (c == '\n') {
		if (L(n, ECHO) || L(n, ECHONL)) {
			echo_char_raw(n, '\n');
			commit_echoes(n);
		}
		handle_newline(n, c);
		return true;
	}
	if (c == CC(n, VEOF)) {
		handle_newline(n, DISABLED_CHAR);
		return true;
	}
	if (c == CC(n, VEOL) || (c == CC(n, VEOL2) && L(n, IEXTEN))) {
		if (L(n, ECHO)) {
			if (n->canon_head == n->read_head)
				echo_set_canon_col(n);
			echo_char(n, c);
			commit_echoes(n);
		}
		if (c == 0377 && I(n, PARMRK))
			put_tty_queue(n, c);
		handle_newline(n, c);
		return true;
	}
	return false;
}

/* The common tail of a received character (the kernel's
 * n_tty_receive_char and the end of n_tty_receive_char_special): echo it
 * (a newline of the special path raw, anything else as echo_char shows
 * it), then queue it, a literal 0377 twice under PARMRK. */
static void echo_and_queue(struct ntty *n, uint8_t c, bool raw)
{
	if (L(n, ECHO)) {
		finish_erasing(n);
		if (raw) {
			echo_char_raw(n, c);
		} else {
			if (n->canon_head == n->read_head)
				echo_set_canon_col(n);
			echo_char(n, c);
		}
		commit_echoes(n);
	}
	if (c == 0377 && I(n, PARMRK))
		put_tty_queue(n, c);
	put_tty_queue(n, c);
}

static void receive_char_special(struct ntty *n, uint8_t c)
{
	if (I(n, IXON) && receive_char_flow_ctrl(n, c))
		return;
	if (L(n, ISIG)) {
		if (c == CC(n, VINTR)) {
			receive_signal_char(n, SIGINT, c);
			return;
		} else if (c == CC(n, VQUIT)) {
			receive_signal_char(n, SIGQUIT, c);
			return;
		} else if (c == CC(n, VSUSP)) {
			receive_signal_char(n, SIGTSTP, c);
			return;
		}
	}
	if (n->stopped && I(n, IXON) && I(n, IXANY)) {
		start_tty(n);
		process_echoes(n);
	}
	if (c == '\r') {
		if (I(n, IGNCR))
			return;
		if (I(n, ICRNL))
			c = '\n';
	} else if (c == '\n' && I(n, INLCR))
		c = '\r';
	if (n->icanon && receive_char_canon(n, c))
		return;
	echo_and_queue(n, c, c == '\n');
}

static void receive_char(struct ntty *n, uint8_t c)
{
	if (n->stopped && I(n, IXON) && I(n, IXANY)) {
		start_tty(n);
		process_echoes(n);
	}
	echo_and_queue(n, c, false);
}

static void receive_char_lnext(struct ntty *n, uint8_t c)
{
	n->lnext = false;
	if (I(n, ISTRIP))
		c &= 0x7f;
	if (I(n, IUCLC) && L(n, IEXTEN))
		c = k_tolower(c);
	receive_char(n, c);
}

static void receive_buf_standard(struct ntty *n, const uint8_t *cp, size_t count)
{
	while (count--) {
		uint8_t c = *cp++;
		if (n->lnext) {
			receive_char_lnext(n, c);
			continue;
		}
		if (I(n, ISTRIP))
			c &= 0x7f;
		if (I(n, IUCLC) && L(n, IEXTEN))
			c = k_tolower(c);
		if (n->char_map[c])
			receive_char_special(n, c);
		else
			receive_char(n, c);
	}
}

void ntty_receive(struct ntty *n, const uint8_t *buf, size_t len)
{
	/* n_tty_receive_buf_common: room is what the 4 KiB buffer has left;
	 * near the edge the kernel's behaviour turns on overflow rules the
	 * model does not follow. */
	size_t room = NTTY_BUF - read_cnt(n) - 1;
	if (I(n, PARMRK))
		room = (NTTY_BUF - read_cnt(n) + 2) / 3 - 1;
	if (read_cnt(n) + len * (I(n, PARMRK) ? 2 : 1) + 16 > NTTY_COMFORT || len > room) {
		n->overflow = true;
		return;
	}
	n->echoed_in_receive = 0;
	n->line_in_receive = n->flush_after_line = false;
	if (n->real_raw || n->raw) {
		for (size_t i = 0; i < len; i++)
			put_tty_queue(n, buf[i]);
	} else {
		receive_buf_standard(n, buf, len);
		flush_echoes(n);
	}
	if (!n->icanon)
		n->commit_head = n->read_head;
	n->echoed_in_receive = 0;
}

/* -- termios ---------------------------------------------------------------- */

void ntty_initial_termios(struct ntty_termios *t)
{
	static const uint8_t init_cc[NTTY_NCCS] = {003, 034, 0177, 025, 004, 0,	  1,   0, 021,
						   023, 032, 0,	   022, 017, 027, 026, 0};
	memset(t, 0, sizeof *t);
	t->iflag = ICRNL | IXON;
	t->oflag = OPOST | ONLCR;
	t->cflag = B38400 | CS8 | CREAD;
	t->lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
	memcpy(t->cc, init_cc, sizeof init_cc);
}

static void set_termios(struct ntty *n, const struct ntty_termios *old)
{
	if (!old || ((old->lflag ^ n->t.lflag) & ICANON)) {
		memset(n->read_flags, 0, sizeof n->read_flags);
		n->line_start = n->read_tail;
		if (!L(n, ICANON) || !read_cnt(n)) {
			n->canon_head = n->read_tail;
			n->push = false;
		} else {
			n->read_flags[MASK(n->read_head - 1)] = 1;
			n->canon_head = n->read_head;
			n->push = true;
		}
		n->commit_head = n->read_head;
		n->erasing = false;
		n->lnext = false;
	}
	n->icanon = L(n, ICANON);
	if (I(n, ISTRIP) || I(n, IUCLC) || I(n, IGNCR) || I(n, ICRNL) || I(n, INLCR) ||
	    L(n, ICANON) || I(n, IXON) || L(n, ISIG) || L(n, ECHO) || I(n, PARMRK)) {
		memset(n->char_map, 0, sizeof n->char_map);
		if (I(n, IGNCR) || I(n, ICRNL))
			n->char_map['\r'] = 1;
		if (I(n, INLCR))
			n->char_map['\n'] = 1;
		if (L(n, ICANON)) {
			n->char_map[CC(n, VERASE)] = 1;
			n->char_map[CC(n, VKILL)] = 1;
			n->char_map[CC(n, VEOF)] = 1;
			n->char_map['\n'] = 1;
			n->char_map[CC(n, VEOL)] = 1;
			if (L(n, IEXTEN)) {
				n->char_map[CC(n, VWERASE)] = 1;
				n->char_map[CC(n, VLNEXT)] = 1;
				n->char_map[CC(n, VEOL2)] = 1;
				if (L(n, ECHO))
					n->char_map[CC(n, VREPRINT)] = 1;
			}
		}
		if (I(n, IXON)) {
			n->char_map[CC(n, VSTART)] = 1;
			n->char_map[CC(n, VSTOP)] = 1;
		}
		if (L(n, ISIG)) {
			n->char_map[CC(n, VINTR)] = 1;
			n->char_map[CC(n, VQUIT)] = 1;
			n->char_map[CC(n, VSUSP)] = 1;
		}
		n->char_map[DISABLED_CHAR] = 0;
		n->raw = n->real_raw = false;
	} else {
		n->raw = true;
		/* pts: TTY_DRIVER_REAL_RAW */
		n->real_raw = (I(n, IGNBRK) || (!I(n, BRKINT) && !I(n, PARMRK))) &&
			      (I(n, IGNPAR) || !I(n, INPCK));
	}
	if (!I(n, IXON) && old && (old->iflag & IXON)) {
		start_tty(n);
		process_echoes(n);
	}
}

void ntty_set_termios(struct ntty *n, const struct ntty_termios *t)
{
	struct ntty_termios old = n->t;
	n->t = *t;
	/* pty_set_termios: a pty is always CS8 CREAD, no parity. */
	n->t.cflag = (n->t.cflag & ~(uint32_t)(CSIZE | PARENB)) | CS8 | CREAD;
	set_termios(n, &old);
}

void ntty_init(struct ntty *n)
{
	void (*hook)(void *, int) = n->isig;
	void *owner = n->owner;

	memset(n, 0, sizeof *n);
	n->isig = hook;
	n->owner = owner;
	ntty_initial_termios(&n->t);
	set_termios(n, NULL);
}

/* -- the slave's output -------------------------------------------------- */

long ntty_slave_write(struct ntty *n, const uint8_t *buf, size_t nr)
{
	size_t done = 0;

	process_echoes(n);
	if (O(n, OPOST)) {
		while (done < nr) {
			/* process_output_block + process_output: the bytes are the
			 * same as one do_output_char per byte. */
			if (do_output_char(n, buf[done], write_room(n)) < 0)
				break;
			done++;
		}
	} else if (write_room(n)) {
		pty_write(n, buf, nr);
		done = nr;
	}
	return done ? (long)done : nr ? -EAGAIN : 0;
}

/* -- reads ----------------------------------------------------------------- */

size_t ntty_slave_inq(const struct ntty *n)
{
	size_t nr, tail;

	if (!L(n, ICANON))
		return read_cnt(n);
	if (n->canon_head == n->read_tail)
		return 0;
	nr = n->canon_head - n->read_tail;
	for (tail = n->read_tail; MASK(tail) != MASK(n->canon_head); tail++)
		if (n->read_flags[MASK(tail)] && read_buf(n, tail) == DISABLED_CHAR)
			nr--;
	return nr;
}

bool ntty_slave_input_available(const struct ntty *n)
{
	int amt = !CC(n, VTIME) && CC(n, VMIN) ? CC(n, VMIN) : 1;

	if (n->icanon)
		return n->canon_head != n->read_tail;
	return n->commit_head - n->read_tail >= (size_t)amt;
}

/* canon_copy_from_read_buf: one line, or as much of it as fits.  Returns
 * true when the line goes on beyond what fit. */
static bool canon_copy(struct ntty *n, uint8_t **kb, size_t *nr)
{
	size_t len, c, i;
	bool found = false;

	if (!*nr)
		return false;
	size_t avail = n->canon_head - n->read_tail;
	size_t take = *nr < avail ? *nr : avail;
	for (i = 0; i < take; i++)
		if (n->read_flags[MASK(n->read_tail + i)]) {
			found = true;
			break;
		}
	len = i;
	c = len + found;
	if (!found || read_buf(n, n->read_tail + len) != DISABLED_CHAR)
		len = c;
	for (size_t k = 0; k < len; k++)
		(*kb)[k] = read_buf(n, n->read_tail + k);
	*kb += len;
	*nr -= len;
	if (found)
		n->read_flags[MASK(n->read_tail + i)] = 0;
	n->read_tail += c;
	if (found) {
		if (!n->push)
			n->line_start = n->read_tail;
		else
			n->push = false;
		return false;
	}
	return n->read_tail != n->canon_head;
}

static void canon_skip_eof(struct ntty *n)
{
	if (n->read_tail == n->canon_head)
		return;
	if (!n->read_flags[MASK(n->read_tail)] || read_buf(n, n->read_tail) != DISABLED_CHAR)
		return;
	n->read_flags[MASK(n->read_tail)] = 0;
	n->read_tail++;
}

static bool raw_copy(struct ntty *n, uint8_t **kb, size_t *nr)
{
	size_t avail = n->commit_head - n->read_tail;
	size_t take = *nr < avail ? *nr : avail;

	for (size_t k = 0; k < take; k++)
		(*kb)[k] = read_buf(n, n->read_tail + k);
	n->read_tail += take;
	*kb += take;
	*nr -= take;
	return take && n->commit_head != n->read_tail;
}

/* n_tty_read as iterate_tty_read drives it: 64-byte chunks, continued
 * while the line discipline says there is more ("cookie").  A blocking read
 * that would wait returns NTTY_WOULD_BLOCK and changes nothing. */
long ntty_slave_read(struct ntty *n, size_t count, bool nonblock, uint8_t *out, bool *pollable)
{
	size_t total = 0;
	bool more;

	*pollable = false;
	if (!count)
		return 0;
	if (n->icanon) {
		if (n->canon_head == n->read_tail) {
			*pollable = true; /* wakes for a whole line */
			return nonblock ? -EAGAIN : NTTY_WOULD_BLOCK;
		}
		do {
			size_t nr = count - total < 64 ? count - total : 64;
			uint8_t *kb = out + total;
			if (!nr) {
				canon_skip_eof(n);
				break;
			}
			more = canon_copy(n, &kb, &nr);
			total = (size_t)(kb - out);
		} while (more);
		return (long)total;
	}
	/* Non-canonical: VMIN/VTIME. */
	int minimum = CC(n, VMIN);
	bool poll_read = !minimum && !CC(n, VTIME);
	size_t avail = n->commit_head - n->read_tail;
	size_t first = count < 64 ? count : 64;
	if (!minimum)
		minimum = 1;
	if (!avail) {
		if (poll_read)
			return 0;	      /* VMIN 0 VTIME 0: nothing, and no error */
		*pollable = CC(n, VMIN) == 1; /* wakes for any byte */
		return nonblock ? -EAGAIN : NTTY_WOULD_BLOCK;
	}
	/* A blocking read that copies less than VMIN (and has room left in
	 * its first chunk) waits for more. */
	size_t got = avail < first ? avail : first;
	if (!nonblock && !poll_read && (int)got < minimum && got < first)
		return NTTY_WOULD_BLOCK;
	do {
		size_t nr = count - total < 64 ? count - total : 64, chunk = nr;
		uint8_t *kb = out + total;
		more = raw_copy(n, &kb, &nr);
		got = chunk - nr;
		total += got;
		more = more && (int)got >= minimum;
	} while (more && total < count);
	return (long)total;
}

long ntty_master_read(struct ntty *n, size_t nr, uint8_t *out)
{
	size_t take = nr < n->master_len ? nr : n->master_len;

	if (!nr)
		return 0;
	if (!n->master_len)
		return -EAGAIN;
	memcpy(out, n->master, take);
	memmove(n->master, n->master + take, n->master_len - take);
	n->master_len -= take;
	return (long)take;
}

void ntty_hangup(struct ntty *n)
{
	reset_buffer_flags(n);
	n->echo_head = n->echo_tail = n->echo_mark = n->echo_commit = 0;
}
