#include "shm_records.h"

#include "../../src/sync/robust_lock.h"
#include "../../src/util/record.h"

#include <errno.h>

ssize_t locked_record_write(pthread_mutex_t *lock, uint8_t *region, size_t size,
			    const struct op *op, const uint8_t *buf, size_t len)
{
	int r = robust_lock(lock, SHM_LOCK_TIMEOUT_MS);
	if (r && r != -EOWNERDEAD)
		return r;
	r = record_write(region, size, (uint16_t)op->arg, buf, len, 0);
	robust_unlock(lock);
	return r ? r : (ssize_t)len;
}

ssize_t locked_record_read(pthread_mutex_t *lock, const uint8_t *region, size_t size,
			   const struct op *op, uint8_t *buf, size_t cap)
{
	int r = robust_lock(lock, SHM_LOCK_TIMEOUT_MS);
	if (r && r != -EOWNERDEAD)
		return r;
	long n = record_read(region, size, (uint16_t)op->arg, buf, cap);
	robust_unlock(lock);
	return n;
}
