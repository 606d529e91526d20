#include "frame.h"

#include "../src/util/payload.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__)
#include <nmmintrin.h>

__attribute__((target("sse4.2"))) static uint32_t crc_sse42(const uint8_t *p, size_t n)
{
	uint64_t c = 0xffffffffu;

	for (; n >= 8; p += 8, n -= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		c = _mm_crc32_u64(c, v);
	}
	uint32_t c32 = (uint32_t)c;
	while (n--)
		c32 = _mm_crc32_u8(c32, *p++);
	return ~c32;
}
#endif

uint32_t frame_crc(const void *buf, size_t len)
{
#if defined(__x86_64__)
	if (__builtin_cpu_supports("sse4.2"))
		return crc_sse42(buf, len);
#endif
	return crc32c(0, buf, len);
}

#define PATTERN_SPAN 4096u

uint8_t *frame_pattern_new(uint16_t producer, uint32_t max_frame)
{
	uint8_t *p = malloc(PATTERN_SPAN + max_frame);

	if (p)
		payload_fill(p, PATTERN_SPAN + max_frame, (uint8_t)producer,
			     0x53545253u + producer);
	return p;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

uint32_t frame_size(uint16_t producer, uint64_t seq, uint32_t min, uint32_t max)
{
	if (max <= min)
		return min;
	return min + (uint32_t)(mix(seq * 0x9e3779b97f4a7c15ull + producer) % (max - min + 1));
}

static uint16_t header_crc(const struct frame_hdr *h)
{
	struct frame_hdr t = *h;

	t.hcrc = 0;
	return (uint16_t)frame_crc(&t, sizeof t);
}

void frame_build(uint8_t *buf, uint32_t len, uint16_t producer, uint64_t seq, uint64_t t_ns,
		 const uint8_t *pattern)
{
	struct frame_hdr h = {
		.magic = FRAME_MAGIC, .producer = producer, .len = len, .seq = seq, .t_ns = t_ns};
	uint32_t plen = len - FRAME_HDR;

	memcpy(buf + FRAME_HDR, pattern + (seq * 131u) % PATTERN_SPAN, plen);
	h.pcrc = frame_crc(buf + FRAME_HDR, plen);
	h.hcrc = header_crc(&h);
	memcpy(buf, &h, sizeof h);
}

int frame_header_ok(const uint8_t *buf, uint32_t max, struct frame_hdr *h)
{
	uint32_t magic;

	memcpy(&magic, buf, sizeof magic); /* cheap first: resync tries every offset */
	if (magic != FRAME_MAGIC)
		return 0;
	memcpy(h, buf, sizeof *h);
	return h->magic == FRAME_MAGIC && h->len >= FRAME_HDR && h->len <= max &&
	       h->hcrc == header_crc(h);
}

int frame_payload_ok(const uint8_t *buf, const struct frame_hdr *h)
{
	return frame_crc(buf + FRAME_HDR, h->len - FRAME_HDR) == h->pcrc;
}

uint64_t frame_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}
