/* The pool of network namespaces lent to identities (netns_pool.h): a
 * namespace is lent to one borrower at a time, and an identity offered one
 * that still holds a socket (here: one bound to an abstract name, its
 * holder still alive) makes a new one instead, in which that name is not
 * found; once nothing is left in it, the identity joins it. */
#define _GNU_SOURCE
#include "../../src/exec/identity.h"
#include "../../src/prog/ident.h"
#include "../../src/sandbox/netns_pool.h"
#include "../../src/sandbox/sandbox.h"
#include "../../src/util/fault.h"
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

extern const struct mechanism mech_unix_dgram;

#define NAME "ipcfuzz-netns-pool-test"

static socklen_t abstract(struct sockaddr_un *a)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path + 1, NAME, strlen(NAME));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(NAME));
}

static ino_t ino_of(int fd)
{
	struct stat st;
	return fstat(fd, &st) ? 0 : st.st_ino;
}

/* A child that binds NAME in the lent namespace and holds it until killed;
 * it says when it is bound through `ready`. */
static pid_t holder(int netns)
{
	int ready[2];
	char c = 0;

	if (pipe(ready))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		struct sockaddr_un a;
		socklen_t len = abstract(&a);
		int s = -1;
		if (!setns(netns, CLONE_NEWNET) && (s = socket(AF_UNIX, SOCK_DGRAM, 0)) >= 0 &&
		    !bind(s, (struct sockaddr *)&a, len))
			c = 1;
		(void)!write(ready[1], &c, 1);
		pause();
		_exit(0);
	}
	(void)!read(ready[0], &c, 1);
	close(ready[0]);
	close(ready[1]);
	return c ? pid : -1;
}

/* What an identity with a network namespace of its own, offered the lent
 * one, did with it: *lent (identity_apply), whether it ended up in the lent
 * namespace, and whether NAME answered a connect. */
struct borrow {
	int err, lent, in_lent, name_found;
};

static struct borrow borrow(int netns)
{
	struct borrow b = {-1, 0, 0, 0};
	int out[2];

	if (pipe(out))
		return b;
	pid_t pid = fork();
	if (pid == 0) {
		struct op ident = {.kind = OP_IDENT, .actor = 1, .len = IDENT_NS_NET};
		struct audit_ns made = {.mq_root = -1};
		struct sockaddr_un a;
		socklen_t len = abstract(&a);
		b.err = identity_apply(&ident, &mech_unix_dgram, &made, netns, &b.lent);
		int self = open("/proc/self/ns/net", O_RDONLY);
		b.in_lent = self >= 0 && ino_of(self) == ino_of(netns);
		int s = socket(AF_UNIX, SOCK_DGRAM, 0);
		b.name_found = s >= 0 && !connect(s, (struct sockaddr *)&a, len);
		(void)!write(out[1], &b, sizeof b);
		_exit(0);
	}
	close(out[1]);
	if (read(out[0], &b, sizeof b) != (ssize_t)sizeof b)
		b.err = -EPIPE;
	close(out[0]);
	waitpid(pid, NULL, 0);
	return b;
}

int main(void)
{
	fault_init();
	if (sandbox_enter() != SANDBOX_NAMESPACES) {
		printf("test_netns_pool: skipped (no private namespaces here)\n");
		return 77;
	}
	int first = netns_pool_take(), second = netns_pool_take();
	CHECK(first > 0 && second > 0 && first != second, "two loans, two namespaces: %d %d", first,
	      second);
	int fd = netns_pool_fd(first), home = open("/proc/self/ns/net", O_RDONLY);
	CHECK(fd >= 0 && ino_of(fd) != ino_of(home) && ino_of(fd) != ino_of(netns_pool_fd(second)),
	      "a namespace of its own");
	netns_pool_release(second);
	CHECK(netns_pool_take() == second, "a released namespace is lent again");

	pid_t pid = holder(fd);
	CHECK(pid > 0, "a socket bound in the lent namespace");
	struct borrow b = borrow(fd);
	CHECK(!b.err && b.lent == -1 && !b.in_lent && !b.name_found,
	      "a socket left: a new namespace instead (err %d lent %d in %d found %d)", b.err,
	      b.lent, b.in_lent, b.name_found);
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	b = borrow(fd);
	CHECK(!b.err && b.lent == 1 && b.in_lent && !b.name_found,
	      "nothing left: the lent namespace joined (err %d lent %d in %d found %d)", b.err,
	      b.lent, b.in_lent, b.name_found);
	b = borrow(-1);
	CHECK(!b.err && !b.lent && !b.in_lent, "none offered: a new one (err %d lent %d in %d)",
	      b.err, b.lent, b.in_lent);
	return check_done("test_netns_pool");
}
