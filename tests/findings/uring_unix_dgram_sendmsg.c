/* Found by `ipcfuzz stress unix-dgram --io-uring` on 6.18.44: IORING_OP_SENDMSG
 * on a unix datagram socket whose receiver (bound to a path, so it queues at
 * most max_dgram_qlen + 1 messages) is full waits, and once the receiver
 * reads, completes with res 0 and queues an EMPTY datagram: the 100 bytes
 * are lost.  sendmsg(2) on the same socket waits and then sends them all.
 * Build: cc -o repro uring_unix_dgram_sendmsg.c -luring -lpthread
 * Expected: "uring sendmsg res 100", and every queued message 100 bytes. */
#define _GNU_SOURCE
#include <liburing.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int r;

static void *reader(void *a)
{
	char b[300];
	(void)a;
	usleep(100000); /* the ring's sendmsg is waiting by now */
	printf("reader got %zd\n", recv(r, b, sizeof b, 0));
	return NULL;
}

int main(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	char buf[100], b[300];
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	pthread_t t;
	ssize_t m;
	int n = 0, s;

	snprintf(a.sun_path, sizeof a.sun_path, "/tmp/uring-dgram-%d.sock", (int)getpid());
	r = socket(AF_UNIX, SOCK_DGRAM, 0);
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (bind(r, (void *)&a, sizeof a) || connect(s, (void *)&a, sizeof a))
		return perror("bind/connect"), 1;
	memset(buf, 'x', sizeof buf);
	while (send(s, buf, sizeof buf, MSG_DONTWAIT) == sizeof buf)
		n++;
	printf("queued %d\n", n);
	io_uring_queue_init(8, &ring, 0);
	struct iovec iov = {buf, sizeof buf};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	pthread_create(&t, NULL, reader, NULL);
	io_uring_prep_sendmsg(io_uring_get_sqe(&ring), s, &mh, 0);
	io_uring_submit(&ring);
	io_uring_wait_cqe(&ring, &cqe);
	printf("uring sendmsg res %d (wanted %zu)\n", cqe->res, sizeof buf);
	pthread_join(t, NULL);
	for (n = 0; (m = recv(r, b, sizeof b, MSG_DONTWAIT)) >= 0; n++)
		if (m != sizeof buf)
			printf("message %d: %zd bytes\n", n, m);
	unlink(a.sun_path);
	return 0;
}
