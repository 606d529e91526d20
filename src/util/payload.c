#include "payload.h"

#include <string.h>

/* Word i of a payload is splitmix64 of (seed, salt, i): different ops with
 * the same seed differ by salt (the op index), so duplicated data does not
 * look right, and no word repeats at any distance, so lost or shifted data
 * does not either.  No word depends on the one before (a generator chain
 * like xorshift's costs its latency per word), so they are computed side by
 * side into a block on the stack, outside the sanitizers' view, and the
 * block is copied out with memcpy: one range check per block, not one per
 * word.  Hot (every send), and nothing in it is worth coverage feedback. */
#define PAYLOAD_BLOCK 512 /* words */

/* The block is payload_fill's own array: nothing for the sanitizers to check
 * (and both functions must carry the same attributes for one to be inlined
 * into the other).  A reproducer's cc may not know them: clang only. */
#ifdef __clang__
#define PAYLOAD_UNCHECKED __attribute__((no_sanitize("coverage", "address", "undefined")))
#else
#define PAYLOAD_UNCHECKED
#endif

PAYLOAD_UNCHECKED static uint64_t payload_word(uint64_t base, uint64_t i)
{
	uint64_t z = base + i * 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Byte k of a word is word >> 8k, whatever the machine's byte order. */
PAYLOAD_UNCHECKED static void payload_block(uint64_t block[PAYLOAD_BLOCK], size_t words,
					    uint64_t base, uint64_t first)
{
	for (size_t i = 0; i < words && i < PAYLOAD_BLOCK; i++) {
		uint64_t w = payload_word(base, first + i);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		w = __builtin_bswap64(w);
#endif
		block[i] = w;
	}
}

__attribute__((no_sanitize("coverage"))) void payload_fill(uint8_t *buf, size_t len, uint8_t seed,
							   uint32_t salt)
{
	uint64_t base = ((uint64_t)seed << 40) ^ (salt * 0x85ebca6bull);
	uint64_t block[PAYLOAD_BLOCK];

	for (size_t done = 0; done < len;) {
		size_t n = len - done < sizeof block ? len - done : sizeof block;
		payload_block(block, (n + 7) / 8, base, done / 8);
		memcpy(buf + done, block, n);
		done += n;
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
