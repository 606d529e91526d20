#include "shm_records.h"

#include "../../src/sync/robust_lock.h"
#include "../../src/util/record.h"

#include <errno.h>

static int take(pthread_mutex_t *lock, enum lock_wait wait)
{
	return wait == LOCK_POLL ? robust_lock_poll(lock, SHM_LOCK_TIMEOUT_MS)
				 : robust_lock(lock, SHM_LOCK_TIMEOUT_MS);
}

ssize_t locked_record_write(pthread_mutex_t *lock, enum lock_wait wait, uint8_t *region,
			    size_t size, const struct op *op, const uint8_t *buf, size_t len)
{
	int r = take(lock, wait);
	if (r && r != -EOWNERDEAD)
		return r;
	r = record_write(region, size, (uint16_t)op->arg, buf, len, 0);
	robust_unlock(lock);
	return r ? r : (ssize_t)len;
}

ssize_t locked_record_read(pthread_mutex_t *lock, enum lock_wait wait, const uint8_t *region,
			   size_t size, const struct op *op, uint8_t *buf, size_t cap)
{
	int r = take(lock, wait);
	if (r && r != -EOWNERDEAD)
		return r;
	long n = record_read(region, size, (uint16_t)op->arg, buf, cap);
	robust_unlock(lock);
	return n;
}
