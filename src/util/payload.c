#include "payload.h"

#include <string.h>

/* Payload words come in lines of eight: line k starts from splitmix64 of
 * (seed, salt, k), and its words step from there by an odd constant.
 * Different ops with the same seed differ by salt (the op index), so
 * duplicated data does not look right, and no word repeats at any distance
 * (two lines' words meet only if their starts differ by less than eight
 * steps: ~2^-60 a pair), so lost or shifted data does not either.  One
 * hash per line, not per word: every send fills its payload (twice, for a
 * peer's: the model's copy and the peer's), and fuzzed lengths run to 32
 * KB, so a hash per word was a tenth of a unix-dgram program's time.  The
 * lines are computed into a block on the stack, outside the sanitizers'
 * view, and the block is copied out with memcpy: one range check per
 * block, not one per word.  Nothing in it is worth coverage feedback. */
#define PAYLOAD_BLOCK 512 /* words */
#define PAYLOAD_LINE  8	  /* words */

/* The block is payload_fill's own array: nothing for the sanitizers to check
 * (and both functions must carry the same attributes for one to be inlined
 * into the other).  A reproducer's cc may not know them: clang only. */
#ifdef __clang__
#define PAYLOAD_UNCHECKED __attribute__((no_sanitize("coverage", "address", "undefined")))
#else
#define PAYLOAD_UNCHECKED
#endif

PAYLOAD_UNCHECKED static uint64_t payload_line(uint64_t base, uint64_t k)
{
	uint64_t z = base + k * 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Byte k of a word is word >> 8k, whatever the machine's byte order. */
PAYLOAD_UNCHECKED static void payload_block(uint64_t block[PAYLOAD_BLOCK], size_t lines,
					    uint64_t base, uint64_t first_line)
{
	for (size_t l = 0; l < lines && l < PAYLOAD_BLOCK / PAYLOAD_LINE; l++) {
		uint64_t h = payload_line(base, first_line + l);
		for (size_t j = 0; j < PAYLOAD_LINE; j++) {
			uint64_t w = h + j * 0xd6e8feb86659fd93ull;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
			w = __builtin_bswap64(w);
#endif
			block[l * PAYLOAD_LINE + j] = w;
		}
	}
}

__attribute__((no_sanitize("coverage"))) void payload_fill(uint8_t *buf, size_t len, uint8_t seed,
							   uint32_t salt)
{
	uint64_t base = ((uint64_t)seed << 40) ^ (salt * 0x85ebca6bull);
	uint64_t block[PAYLOAD_BLOCK];

	for (size_t done = 0; done < len;) {
		size_t n = len - done < sizeof block ? len - done : sizeof block;
		size_t line = PAYLOAD_LINE * sizeof(uint64_t);
		payload_block(block, (n + line - 1) / line, base, done / line);
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
