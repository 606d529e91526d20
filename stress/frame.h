/* The stress frame.  Every message the stress driver sends is one frame that
 * names its producer and sequence number and carries its length, its send
 * time and checksums, so that a consumer can tell lost, duplicated,
 * corrupted, truncated and reordered messages apart, measure latency, and
 * find frame edges again in a byte stream. */
#ifndef IPCFUZZ_STRESS_FRAME_H
#define IPCFUZZ_STRESS_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_MAGIC 0x46535049u /* "IPSF" */
#define FRAME_HDR   32u

struct frame_hdr {
	uint32_t magic;
	uint16_t producer;
	uint16_t hcrc; /* low half of crc32c of the header with hcrc = 0 */
	uint32_t len;  /* whole frame, header included */
	uint32_t pcrc; /* crc32c of the payload */
	uint64_t seq;
	uint64_t t_ns; /* CLOCK_MONOTONIC at send, for latency */
};
_Static_assert(sizeof(struct frame_hdr) == FRAME_HDR, "the frame header is 32 bytes");

/* CRC-32C, with the CPU's instruction where it has one: verification must
 * not be what limits throughput.  Same values as crc32c() in payload.h. */
uint32_t frame_crc(const void *buf, size_t len);

/* Payload bytes come from a per-producer pattern at an offset chosen by the
 * sequence number: nothing to generate in the hot path, and yet two frames
 * rarely carry the same bytes. */
uint8_t *frame_pattern_new(uint16_t producer, uint32_t max_frame);
/* Deterministic size of (producer, seq) in [min, max]. */
uint32_t frame_size(uint16_t producer, uint64_t seq, uint32_t min, uint32_t max);
void frame_build(uint8_t *buf, uint32_t len, uint16_t producer, uint64_t seq, uint64_t t_ns,
		 const uint8_t *pattern);

/* buf holds at least FRAME_HDR bytes: 1 when they are a well-formed header
 * whose length lies in [FRAME_HDR, max], copied to *h. */
int frame_header_ok(const uint8_t *buf, uint32_t max, struct frame_hdr *h);
/* The header is good and h->len bytes are at buf: 1 when the payload's
 * checksum holds. */
int frame_payload_ok(const uint8_t *buf, const struct frame_hdr *h);

uint64_t frame_now_ns(void);

#endif
