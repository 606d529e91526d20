/* Payload bytes are a function of (seed, position), so an op needs no data
 * in the input, and every received byte can be checked. */
#ifndef IPCFUZZ_PAYLOAD_H
#define IPCFUZZ_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

void payload_fill(uint8_t *buf, size_t len, uint8_t seed, uint32_t salt);
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

#endif
