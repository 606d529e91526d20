#include "record.h"

#include "payload.h"

#include <errno.h>
#include <string.h>

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

int record_write(uint8_t *region, size_t size, size_t off, const uint8_t *payload, size_t len,
		 int torn)
{
	if (off > size || size - off < RECORD_HDR || size - off - RECORD_HDR < len)
		return -ERANGE;
	put32(region + off, (uint32_t)len);
	put32(region + off + 4, crc32c(0, payload, len));
	memcpy(region + off + RECORD_HDR, payload, torn ? len / 2 : len);
	return 0;
}

long record_read(const uint8_t *region, size_t size, size_t off, uint8_t *out, size_t cap)
{
	if (off > size || size - off < RECORD_HDR)
		return -ERANGE;
	uint32_t len = get32(region + off);
	if (len > size - off - RECORD_HDR)
		return -ERANGE;
	const uint8_t *payload = region + off + RECORD_HDR;
	if (crc32c(0, payload, len) != get32(region + off + 4))
		return -EBADMSG;
	memcpy(out, payload, len < cap ? len : cap);
	return (long)len;
}
