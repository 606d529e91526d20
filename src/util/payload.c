#include "payload.h"

#include <string.h>

/* xorshift64 over (seed, salt): cheap, and different ops with the same seed
 * differ by salt (the op index), so duplicated data does not look right.
 * Byte k of each step is x >> 8k: a whole step is one 8-byte store on a
 * little-endian machine (one ASan check instead of eight). */
/* Hot, and nothing in it is worth coverage feedback. */
__attribute__((no_sanitize("coverage"))) void payload_fill(uint8_t *buf, size_t len, uint8_t seed,
							   uint32_t salt)
{
	uint64_t x = 0x9e3779b97f4a7c15ull ^ ((uint64_t)seed << 40) ^ (salt * 0x85ebca6bull);
	size_t i = 0;

	if (!x)
		x = 1; /* xorshift's one fixed point */
	while (i < len) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (len - i >= 8 && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) {
			memcpy(buf + i, &x, 8);
			i += 8;
			continue;
		}
		for (int k = 0; k < 8 && i < len; k++, i++)
			buf[i] = (uint8_t)(x >> (8 * k));
	}
}

/* CRC-32C, a byte at a time from a table built on first use. */
__attribute__((no_sanitize("coverage"))) uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
	static uint32_t table[256];
	const uint8_t *p = buf;

	if (!table[1])
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1u)));
			table[i] = c;
		}
	crc = ~crc;
	while (len--)
		crc = (crc >> 8) ^ table[(crc ^ *p++) & 0xff];
	return ~crc;
}
