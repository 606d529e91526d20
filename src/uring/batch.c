/* Batched submissions: several sends through the ring at once.  See
 * backend.h (use_send_batch) and ring.h (uring_call_batch). */
#define _GNU_SOURCE
#include "backend.h"

#include <errno.h>
#include <sys/socket.h>

unsigned use_send_batch(int fd, const uint8_t *buf, const uint32_t *lens, unsigned k, int flags,
			int *err, size_t *part)
{
	struct io_uring_sqe *sqe[URING_BATCH_MAX];
	int res[URING_BATCH_MAX];
	const uint8_t *at = buf;
	struct io_uring *r = uring_ring(err);

	*part = 0;
	if (!r)
		return 0;
	if (k > URING_BATCH_MAX)
		k = URING_BATCH_MAX;
	for (unsigned i = 0; i < k; i++) {
		sqe[i] = io_uring_get_sqe(r);
		io_uring_prep_send(sqe[i], fd, at, lens[i], flags | MSG_NOSIGNAL);
		at += lens[i];
	}
	if ((*err = uring_call_batch(r, sqe, k, res)))
		return 0;
	unsigned out = 0;
	while (out < k && res[out] == (int)lens[out])
		out++;
	if (out < k) {
		*err = res[out] >= 0 ? -EMSGSIZE : res[out];
		*part = res[out] > 0 ? (size_t)res[out] : 0;
	}
	return out;
}
