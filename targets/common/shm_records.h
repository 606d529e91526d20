/* The record ops of shared-memory targets: a record (src/util/record.h)
 * written or read at the op's offset (arg) while holding the region's
 * robust process-shared lock.  A lock whose holder died is taken over
 * (EOWNERDEAD): the record check then judges what it left. */
#ifndef IPCFUZZ_SHM_RECORDS_H
#define IPCFUZZ_SHM_RECORDS_H

#include "../../src/prog/prog.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SHM_LOCK_TIMEOUT_MS 2000u

/* How a locker waits: on the lock's futex, or polling (robust_lock_poll:
 * mappings where the kernel refuses shared futexes). */
enum lock_wait { LOCK_FUTEX, LOCK_POLL };

/* len on success, else a negative errno (ERANGE: it does not fit). */
ssize_t locked_record_write(pthread_mutex_t *lock, enum lock_wait wait, uint8_t *region,
			    size_t size, const struct op *op, const uint8_t *buf, size_t len);
/* The record's full length, else a negative errno (EBADMSG: torn). */
ssize_t locked_record_read(pthread_mutex_t *lock, enum lock_wait wait, const uint8_t *region,
			   size_t size, const struct op *op, uint8_t *buf, size_t cap);

#endif
