#define _GNU_SOURCE
#include "sandbox.h"

#include "../prog/prog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static enum sandbox_mode mode = SANDBOX_NONE;
static char prefix[64] = "ipcfuzz.";
static char mq_dir[64];
static int32_t key_base = 0x1f000000;
static char why_prefix[160];
static int private_pts;

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Without root, a user namespace makes us root inside it. */
static int become_ns_root(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (unshare(CLONE_NEWUSER))
		return -1;
	write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
	if (write_file("/proc/self/uid_map", map))
		return -1;
	snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
	return write_file("/proc/self/gid_map", map);
}

static void loopback_up(void)
{
	struct ifreq ifr = {0};
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return;
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	if (!ioctl(s, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
}

/* A fresh /dev/shm: nothing of the namespace we came from shows through. */
static int private_shm(void)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("ipcfuzz-shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"))
		return -1;
	return 0;
}

int sandbox_private(int clone_flags)
{
	if (unshare(clone_flags))
		return -errno;
	if ((clone_flags & CLONE_NEWNS) && private_shm())
		return -errno;
	if (clone_flags & CLONE_NEWNET)
		loopback_up();
	return 0;
}

static int enter_namespaces(void)
{
	int err;

	if (geteuid() != 0 && become_ns_root()) {
		snprintf(why_prefix, sizeof why_prefix, "user namespaces refused: %s",
			 strerror(errno));
		return -1;
	}
	if ((err = sandbox_private(CLONE_NEWIPC | CLONE_NEWNS | CLONE_NEWNET))) {
		snprintf(why_prefix, sizeof why_prefix, "private IPC, mount, net namespaces: %s",
			 strerror(-err));
		return -1;
	}
	/* The mqueue mount lives inside our private tmpfs so that no mount point
	 * is ever created on the host's /dev; the audit knows to skip it. */
	snprintf(mq_dir, sizeof mq_dir, "/dev/shm/.mqueue");
	if (mkdir(mq_dir, 0700) || mount("mqueue", mq_dir, "mqueue", 0, NULL))
		mq_dir[0] = 0;
	/* A devpts instance of our own (/dev/ptmx finds the "pts" beside it):
	 * pty indexes are ours alone, so a stale pty name can only reach one of
	 * our ptys, never a terminal of the host, and the model knows which. */
	private_pts = !mount("ipcfuzz-pts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
			     "newinstance,ptmxmode=0666,mode=0620");
	return 0;
}

/* The queues of IPC namespaces that are still being torn down (a worker
 * frees them after an RCU grace period) count against the user's
 * RLIMIT_MSGQUEUE: at a fuzzer's pace of identities with namespaces of
 * their own, a create would fail with EMFILE that no program caused.  The
 * model bounds what one program may reserve; the limit only has to stay
 * out of the way.  Raising it takes CAP_SYS_RESOURCE, which a container's
 * root may lack: there the peers' sweep of their own namespaces
 * (audit_ns_reset) frees their queues at once instead. */
static void no_mqueue_rlimit(void)
{
	struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
	setrlimit(RLIMIT_MSGQUEUE, &rl);
}

enum sandbox_mode sandbox_enter(void)
{
	const char *force = getenv("IPCFUZZ_SANDBOX");

	if (mode != SANDBOX_NONE)
		return mode;
	if (!(force && !strcmp(force, "prefix")) && !enter_namespaces()) {
		mode = SANDBOX_NAMESPACES;
		no_mqueue_rlimit();
		return mode;
	}
	if (force && !strcmp(force, "prefix"))
		snprintf(why_prefix, sizeof why_prefix, "IPCFUZZ_SANDBOX=prefix");
	/* Fallback: everything we name carries our pid. */
	pid_t pid = getpid();
	snprintf(prefix, sizeof prefix, "ipcfuzz.%d.", (int)pid);
	key_base = (int32_t)(0x1e000000u | (((uint32_t)pid & 0xfffffu) << 4));
	mode = SANDBOX_PREFIX;
	sandbox_sweep_stale();
	return mode;
}

void sandbox_export(char *buf, size_t cap)
{
	/* Neither the prefix nor the mqueue directory holds a space. */
	snprintf(buf, cap, "%d %d %ld %s %s", (int)mode, private_pts, (long)key_base, prefix,
		 mq_dir[0] ? mq_dir : "-");
}

int sandbox_import(const char *text)
{
	int m, pts;
	long key;
	char pre[sizeof prefix], mq[sizeof mq_dir];

	if (!text || sscanf(text, "%d %d %ld %63s %63s", &m, &pts, &key, pre, mq) != 5 ||
	    (m != SANDBOX_NAMESPACES && m != SANDBOX_PREFIX))
		return -1;
	mode = (enum sandbox_mode)m;
	private_pts = pts;
	key_base = (int32_t)key;
	snprintf(prefix, sizeof prefix, "%s", pre);
	snprintf(mq_dir, sizeof mq_dir, "%s", strcmp(mq, "-") ? mq : "");
	return 0;
}

enum sandbox_mode sandbox_mode(void)
{
	return mode;
}

const char *sandbox_describe(void)
{
	static char text[256];

	if (mode == SANDBOX_NAMESPACES)
		return "private IPC+mount+net namespaces";
	snprintf(text, sizeof text, "unique prefixes '%s' (no namespaces: %s)", prefix, why_prefix);
	return text;
}

const char *sandbox_mqueue_dir(void)
{
	return mq_dir;
}

int sandbox_private_pts(void)
{
	return private_pts;
}

void sandbox_posix_name(char *buf, size_t cap, unsigned obj, unsigned form)
{
	switch (form) {
	case NAME_EMPTY:
		snprintf(buf, cap, "/");
		break;
	case NAME_SLASH:
		snprintf(buf, cap, "/%sdir/o%u", prefix, obj);
		break;
	case NAME_LONG: {
		/* One character over NAME_MAX: short enough for the C library to
		 * pass on, so the kernel's ENAMETOOLONG is what is tested. */
		int n = snprintf(buf, cap, "/%so%u.", prefix, obj);
		size_t i = n > 0 ? (size_t)n : 0;
		while (i + 1 < cap && i < 1 + 256)
			buf[i++] = 'L';
		buf[i] = 0;
		break;
	}
	case NAME_PRIVATE:
		snprintf(buf, cap, "/%so%u.b", prefix, obj);
		break;
	default:
		snprintf(buf, cap, "/%so%u", prefix, obj);
	}
}

void sandbox_path_name(char *buf, size_t cap, unsigned obj, unsigned form)
{
	char name[300];

	if (form == NAME_EMPTY) {
		snprintf(buf, cap, "%s", "");
		return;
	}
	sandbox_posix_name(name, sizeof name, obj, form);
	snprintf(buf, cap, "/dev/shm%s", name);
}

int32_t sandbox_sysv_key(unsigned obj)
{
	return key_base + (int32_t)(obj & 15u);
}

int sandbox_owns_name(const char *entry)
{
	if (!strncmp(entry, "sem.", 4)) /* sync: a named semaphore's file */
		entry += 4;
	return !strncmp(entry, prefix, strlen(prefix));
}

int sandbox_owns_key(int32_t key)
{
	return key >= key_base && key < key_base + 16;
}

static int pid_alive(long pid)
{
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

void sandbox_remove_names(const char *dir, int (*match)(const char *name))
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[600];

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && match(e->d_name)) {
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			/* A directory of a create's own (a socket's path,
			 * "<name>.d/s"): what is in it, then itself. */
			if (unlink(path) && errno == EISDIR) {
				sandbox_remove_names(path, sandbox_any_name);
				rmdir(path);
			}
		}
	if (d)
		closedir(d);
}

static void remove_sysv_in(const char *file, int kind, int (*match)(long key))
{
	FILE *f = fopen(file, "re");
	char line[512];

	while (f && fgets(line, sizeof line, f)) {
		long key, id;
		if (sscanf(line, "%ld %ld", &key, &id) != 2 || !match(key))
			continue; /* the header line, or not ours */
		if (kind == 'm')
			msgctl((int)id, IPC_RMID, NULL);
		else if (kind == 's')
			shmctl((int)id, IPC_RMID, NULL);
		else
			semctl((int)id, 0, IPC_RMID);
	}
	if (f)
		fclose(f);
}

void sandbox_remove_sysv(int (*match)(long key))
{
	remove_sysv_in("/proc/sysvipc/msg", 'm', match);
	remove_sysv_in("/proc/sysvipc/shm", 's', match);
	remove_sysv_in("/proc/sysvipc/sem", 'e', match);
}

int sandbox_any_name(const char *name)
{
	(void)name;
	return 1;
}

int sandbox_any_key(long key)
{
	(void)key;
	return 1;
}

/* A name "ipcfuzz.<pid>." whose process is gone was left by a killed run. */
static int stale_name(const char *name)
{
	long pid;
	if (!strncmp(name, "sem.", 4)) /* sync: a named semaphore's file */
		name += 4;
	return sscanf(name, "ipcfuzz.%ld.", &pid) == 1 && pid != getpid() && !pid_alive(pid);
}

/* Keys 0x1e<pid:20><slot:4> carry their creator's pid the same way. */
static int stale_key(long key)
{
	long owner = (key >> 4) & 0xfffff;
	return (key & 0x7f000000) == 0x1e000000 && owner != ((long)getpid() & 0xfffff) &&
	       !pid_alive(owner);
}

void sandbox_sweep_stale(void)
{
	sandbox_remove_names("/dev/shm", stale_name);
	if (!access("/dev/mqueue", F_OK))
		sandbox_remove_names("/dev/mqueue", stale_name);
	sandbox_remove_sysv(stale_key);
}
