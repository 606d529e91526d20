#include "tty_text.h"

static const char letters[] = "abcdefghijklmnopqrstuvwxyz";

/* TEXT draws from letters (mostly) and the characters the default termios
 * gives a meaning: CR LF space, DEL ^U ^W (editing), ^D (EOF), ^C ^\ ^Z
 * (signals), ^V ^R (IEXTEN), ^S ^Q (IXON), tab. */
static const uint8_t specials[] = {'\r', '\n', ' ',  0x7f, 0x15, 0x17, 0x04, 0x03,
				   0x1c, 0x1a, 0x16, 0x12, 0x13, 0x11, '\t', '\n'};

static uint8_t letter(uint8_t b)
{
	return (uint8_t)letters[b % 26];
}

void tty_shape_bytes(uint8_t *out, const uint8_t *payload, size_t len, int arg, uint8_t seed)
{
	unsigned shape = (unsigned)arg % SHAPE_COUNT;
	static const uint8_t sigs[3] = {0x03, 0x1c, 0x1a};

	for (size_t i = 0; i < len; i++) {
		uint8_t b = payload[i];
		switch (shape) {
		case SHAPE_RAW:
			out[i] = b;
			break;
		case SHAPE_TEXT:
			out[i] = b < 200 ? letter(b) : specials[b % sizeof specials];
			break;
		case SHAPE_EDIT:
			out[i] = b < 176   ? letter(b)
				 : b < 224 ? 0x7f
				 : b < 240 ? 0x17
				 : b < 248 ? ' '
					   : 0x15;
			break;
		case SHAPE_TABS:
			out[i] = b < 160 ? letter(b) : b < 208 ? '\t' : b < 240 ? 0x7f : '\n';
			break;
		default:
			out[i] = letter(b);
		}
	}
	if (!len)
		return;
	switch (shape) {
	case SHAPE_LINE:
		out[len - 1] = '\n';
		break;
	case SHAPE_CR:
		out[len - 1] = '\r';
		break;
	case SHAPE_EOF:
		out[len - 1] = 0x04;
		break;
	case SHAPE_SIGNAL:
		out[len - 1] = sigs[seed % 3];
		break;
	}
}
