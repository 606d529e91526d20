/* The record format of shared-memory channels: [len][crc32c][payload].  A
 * reader needs no model to see a torn record: the checksum will not match. */
#ifndef IPCFUZZ_RECORD_H
#define IPCFUZZ_RECORD_H

#include <stddef.h>
#include <stdint.h>

#define RECORD_HDR 8u

/* Writes a record at off in region[0..size); -ERANGE when it does not fit.
 * With `torn`, stops after half of the payload (a deliberately broken run). */
int record_write(uint8_t *region, size_t size, size_t off, const uint8_t *payload, size_t len,
		 int torn);
/* Reads the record at off: copies min(len, cap) payload bytes to out and
 * returns the record's full length; -ERANGE when the header does not fit or
 * claims more than the region holds, -EBADMSG when the checksum is wrong. */
long record_read(const uint8_t *region, size_t size, size_t off, uint8_t *out, size_t cap);

#endif
