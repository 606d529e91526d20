/* The io_uring use backend on its own: the socket calls (SEND/RECV,
 * SENDMSG/RECVMSG passing a descriptor by SCM_RIGHTS) give what the system
 * calls give, a blocking request is bounded by its linked timeout, a
 * signal cancels one, and use_end leaves no ring behind.  Skipped (77)
 * where io_uring cannot be used. */
#define _GNU_SOURCE
#include "../../src/uring/backend.h"
#include "../../src/uring/probe.h"
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const struct op ring_op = {.kind = OP_SEND, .flags = OPF_URING};
static const struct op ring_nowait = {.kind = OP_RECV, .flags = OPF_URING | OPF_NOWAIT};

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static int rings_open(void)
{
	int n = 0;
	for (int fd = 0; fd < 1024; fd++) { /* the ring sits high (ring.c) */
		char path[64], target[64];
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		ssize_t k = readlink(path, target, sizeof target - 1);
		if (k > 0) {
			target[k] = 0;
			n += !strcmp(target, "anon_inode:[io_uring]");
		}
	}
	return n;
}

static void socket_calls(void)
{
	int sv[2], p[2];
	char buf[64] = {0};

	CHECK(!socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), "socketpair");
	CHECK(use_send(&ring_op, sv[0], "hello", 5, 0) == 5, "SEND");
	CHECK(use_recv(&ring_op, sv[1], buf, 3, 0) == 3 && !memcmp(buf, "hel", 3),
	      "RECV keeps the record edge (truncates)");
	CHECK(use_recv(&ring_nowait, sv[1], buf, sizeof buf, 0) == -EAGAIN,
	      "RECV on an empty socket, nowait: EAGAIN");

	/* SENDMSG with a pipe's read end; RECVMSG gets a working copy. */
	CHECK(!pipe2(p, O_CLOEXEC), "pipe");
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof u);
	struct iovec iov = {.iov_base = "fd", .iov_len = 2};
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &p[0], sizeof(int));
	CHECK(use_sendmsg(&ring_op, sv[0], &mh, 0) == 2, "SENDMSG with SCM_RIGHTS");
	memset(&u, 0, sizeof u);
	struct iovec riov = {.iov_base = buf, .iov_len = sizeof buf};
	struct msghdr rh = {.msg_iov = &riov,
			    .msg_iovlen = 1,
			    .msg_control = u.b,
			    .msg_controllen = sizeof u.b};
	CHECK(use_recvmsg(&ring_op, sv[1], &rh, MSG_CMSG_CLOEXEC) == 2, "RECVMSG");
	cm = CMSG_FIRSTHDR(&rh);
	int got = -1;
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&got, CMSG_DATA(cm), sizeof got);
	CHECK(got >= 0 && got != p[0], "the descriptor arrived (%d)", got);
	if (got >= 0) {
		CHECK(write(p[1], "x", 1) == 1 && use_read(&ring_op, got, buf, 1) == 1 &&
			      buf[0] == 'x',
		      "the passed descriptor reads the pipe");
		close(got);
	}
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void bounds(void)
{
	int sv[2];
	char buf[8];
	struct timespec t0;

	CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), "socketpair");
	/* Nothing will come: the linked timeout ends the wait, as EINTR. */
	uring_set_bound(200);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(use_recv(&ring_op, sv[1], buf, sizeof buf, 0) == -EINTR, "linked timeout: EINTR");
	long ms = ms_since(&t0);
	CHECK(ms >= 150 && ms < 2000, "bounded by the linked timeout (%ld ms)", ms);
	/* A signal interrupts the wait; the request is cancelled, not left. */
	uring_set_bound(10000);
	struct sigaction sa = {.sa_handler = on_alarm};
	sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART */
	struct itimerval it = {.it_value = {.tv_usec = 100000}};
	setitimer(ITIMER_REAL, &it, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(use_recv(&ring_op, sv[1], buf, sizeof buf, 0) == -EINTR, "a signal: EINTR");
	ms = ms_since(&t0);
	CHECK(ms < 2000, "cancelled at once (%ld ms)", ms);
	/* Nothing of it is still in flight: the next byte goes to the next call. */
	CHECK(write(sv[0], "z", 1) == 1, "write");
	CHECK(use_recv(&ring_op, sv[1], buf, sizeof buf, 0) == 1 && buf[0] == 'z',
	      "the cancelled receive took nothing");
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const char *why = uring_probe(URING_OPS_RW | URING_OPS_SOCK);
	if (why) {
		printf("test_uring: skipped: %s\n", why);
		return 77;
	}
	int before = rings_open();
	socket_calls();
	bounds();
	CHECK(rings_open() == before + 1, "one ring while in use");
	use_end();
	CHECK(rings_open() == before, "use_end closed the ring");
	return check_done("test_uring");
}
