/* The peer a verified stress run is measured against: the plainest loop
 * that moves fixed-size messages through one mechanism from one process to
 * another, with no framing, no checksums, no ledger and no audit.
 *
 *   raw_ipc MECHANISM SECONDS SIZE   prints "<messages per second>"
 *
 * Stream mechanisms write and read SIZE bytes per call; queues send and
 * receive one message per call; shared memory runs a ring of SIZE-byte
 * slots under a process-shared mutex with futex waits (what a program would
 * write by hand over the same segment).  The producer is this process; the
 * consumer a child that counts what it received in a shared page; every
 * object is made private or unlinked at once, so a killed run leaves
 * nothing behind. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <mqueue.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 64u

struct shared {
	_Atomic unsigned long received;
};

/* A ring over shared memory: head and tail count slots; each side sleeps
 * on the other's counter when it cannot move. */
struct ring {
	pthread_mutex_t lock;
	_Atomic uint32_t head, tail;
	_Atomic uint32_t sleepers;
	uint8_t slot[];
};

struct chan {
	int fd[2];
	int id;
	mqd_t q;
	struct ring *ring;
	size_t size;
};

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void futex_wait(_Atomic uint32_t *w, uint32_t seen)
{
	struct timespec t = {0, 10 * 1000 * 1000};
	syscall(SYS_futex, w, FUTEX_WAIT, seen, &t, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *w)
{
	syscall(SYS_futex, w, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static void ring_init(struct ring *r)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&r->lock, &a);
	pthread_mutexattr_destroy(&a);
}

/* push (dir 1) or pop (dir 0) one slot, waiting while full or empty */
static void ring_move(struct ring *r, uint8_t *buf, size_t size, int push)
{
	for (;;) {
		pthread_mutex_lock(&r->lock);
		uint32_t h = atomic_load(&r->head), t = atomic_load(&r->tail);
		if (push ? h - t < SLOTS : h != t) {
			uint8_t *s = r->slot + (size_t)((push ? h : t) % SLOTS) * size;
			if (push) {
				memcpy(s, buf, size);
				atomic_store(&r->head, h + 1);
			} else {
				memcpy(buf, s, size);
				atomic_store(&r->tail, t + 1);
			}
			pthread_mutex_unlock(&r->lock);
			if (atomic_load(&r->sleepers))
				futex_wake(push ? &r->head : &r->tail);
			return;
		}
		pthread_mutex_unlock(&r->lock);
		atomic_fetch_add(&r->sleepers, 1);
		futex_wait(push ? &r->tail : &r->head, push ? t : h);
		atomic_fetch_sub(&r->sleepers, 1);
	}
}

static size_t ring_bytes(size_t size)
{
	return sizeof(struct ring) + SLOTS * size;
}

static void open_chan(const char *m, struct chan *c)
{
	struct mq_attr qa = {.mq_maxmsg = 10, .mq_msgsize = (long)c->size};
	char name[64];

	if (!strcmp(m, "pipe")) {
		if (pipe(c->fd))
			die("pipe");
	} else if (!strcmp(m, "fifo")) {
		snprintf(name, sizeof name, "/tmp/raw-ipc-fifo.%d", getpid());
		if (mkfifo(name, 0600))
			die("mkfifo");
		c->fd[0] = open(name, O_RDONLY | O_NONBLOCK);
		c->fd[1] = open(name, O_WRONLY);
		unlink(name);
		if (c->fd[0] < 0 || c->fd[1] < 0)
			die("open fifo");
		fcntl(c->fd[0], F_SETFL, 0);
	} else if (!strcmp(m, "unix-stream")) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, c->fd))
			die("socketpair");
	} else if (!strcmp(m, "sysv-msg")) {
		if ((c->id = msgget(IPC_PRIVATE, 0600)) < 0)
			die("msgget");
	} else if (!strcmp(m, "posix-mq")) {
		snprintf(name, sizeof name, "/raw-ipc-mq.%d", getpid());
		c->q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &qa);
		mq_unlink(name);
		if (c->q == (mqd_t)-1)
			die("mq_open");
	} else if (!strcmp(m, "sysv-shm")) {
		if ((c->id = shmget(IPC_PRIVATE, ring_bytes(c->size), 0600)) < 0)
			die("shmget");
		c->ring = shmat(c->id, NULL, 0);
		shmctl(c->id, IPC_RMID, NULL); /* gone with the last detach */
		if (c->ring == (void *)-1)
			die("shmat");
		ring_init(c->ring);
	} else if (!strcmp(m, "posix-shm")) {
		snprintf(name, sizeof name, "/raw-ipc-shm.%d", getpid());
		int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
		shm_unlink(name);
		if (fd < 0 || ftruncate(fd, (off_t)ring_bytes(c->size)))
			die("shm_open");
		c->ring =
			mmap(NULL, ring_bytes(c->size), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
		if (c->ring == MAP_FAILED)
			die("mmap");
		ring_init(c->ring);
	} else {
		fprintf(stderr, "raw_ipc: unknown mechanism '%s'\n", m);
		exit(2);
	}
}

struct msg {
	long mtype;
	char text[];
};

static void move(const char *m, struct chan *c, void *buf, int send)
{
	size_t n = c->size;
	ssize_t r;

	if (c->ring) {
		ring_move(c->ring, buf, n, send);
		return;
	}
	if (m[0] == 'p' && m[1] == 'o') /* posix-mq */
		r = send ? mq_send(c->q, buf, n, 0) : mq_receive(c->q, buf, n, NULL);
	else if (m[0] == 's') /* sysv-msg: the size is the text's */
		r = send ? msgsnd(c->id, buf, n, 0) : msgrcv(c->id, buf, n, 0, 0);
	else
		r = send ? write(c->fd[1], buf, n) : read(c->fd[0], buf, n);
	if (r < 0)
		die(send ? "send" : "recv");
}

int main(int argc, char **argv)
{
	if (argc != 4 || atoi(argv[2]) <= 0 || atoi(argv[3]) <= 0) {
		fprintf(stderr, "usage: raw_ipc MECHANISM SECONDS SIZE\n");
		return 2;
	}
	const char *m = argv[1];
	int seconds = atoi(argv[2]);
	struct chan c = {.fd = {-1, -1}, .size = (size_t)atoi(argv[3])};
	struct shared *sh =
		mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct msg *buf = calloc(1, sizeof(struct msg) + c.size);

	if (sh == MAP_FAILED || !buf)
		die("alloc");
	open_chan(m, &c);
	alarm((unsigned)seconds + 10); /* no step waits for ever */
	pid_t child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		for (unsigned long k = 1;; k++) {
			move(m, &c, buf, 0);
			atomic_store_explicit(&sh->received, k, memory_order_relaxed);
		}
	}
	buf->mtype = 1;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	double elapsed = 0;
	for (unsigned long k = 0; elapsed < seconds; k++) {
		move(m, &c, buf, 1);
		if (k % 64 == 0) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			elapsed = (double)(t.tv_sec - t0.tv_sec) +
				  (double)(t.tv_nsec - t0.tv_nsec) / 1e9;
		}
	}
	unsigned long got = atomic_load(&sh->received);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	if (m[0] == 's' && m[5] == 'm') /* sysv-msg */
		msgctl(c.id, IPC_RMID, NULL);
	printf("%.0f\n", (double)got / elapsed);
	return 0;
}
