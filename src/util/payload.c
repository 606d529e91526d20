#include "payload.h"

/* xorshift over (seed, salt): cheap, and different ops with the same seed
 * differ by salt (the op index), so duplicated data does not look right. */
/* Hot, and nothing in it is worth coverage feedback. */
__attribute__((no_sanitize("coverage"))) void payload_fill(uint8_t *buf, size_t len, uint8_t seed,
							   uint32_t salt)
{
	uint32_t x = 0x9e3779b9u ^ ((uint32_t)seed << 16) ^ (salt * 0x85ebca6bu);
	size_t i = 0;

	if (!x)
		x = 1;
	while (i < len) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		for (int k = 0; k < 4 && i < len; k++, i++)
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
