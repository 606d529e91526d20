/* Reproducer C (src/prog/to_c.h) of every shared-memory target: the object
 * layout, the lock, record ops with faults as results, mapping a descriptor,
 * truncate and seals, as text (see shm_region.h).  A hook writes only how
 * its object is made, found and removed; the rest is shm_to_c_op. */
#define _GNU_SOURCE
#include "shm_region.h"

#include "../../src/prog/to_c_ident.h"

#include <fcntl.h>

/* In the generated C a handle without END_WRITE is mapped read-only. */
static const char helpers[] =
	"#include <setjmp.h>\n#include <sys/shm.h>\n#include <sys/wait.h>\n\n"
	"struct shm_header {\n\tpthread_mutex_t lock;\n\tuint32_t magic, size;\n};\n"
	"#define HDR ((sizeof(struct shm_header) + 63u) & ~(size_t)63u)\n"
	"#define SHM_MAGIC 0x%xu\n\n"
	"static void header_init(void *p, unsigned len)\n{\n"
	"\tstruct shm_header *h = p;\n\tpthread_mutexattr_t a;\n"
	"\tpthread_mutexattr_init(&a);\n"
	"\tpthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);\n"
	"\tpthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);\n"
	"\tpthread_mutex_init(&h->lock, &a);\n\tpthread_mutexattr_destroy(&a);\n"
	"\th->size = len;\n\th->magic = SHM_MAGIC;\n}\n\n"
	"static long shm_lock(struct chan *c)\n{\n"
	"\tstruct shm_header *h = c->map;\n\tstruct timespec t;\n"
	"\tclock_gettime(CLOCK_REALTIME, &t);\n\tt.tv_sec += 2;\n"
	"\tint r = pthread_mutex_timedlock(&h->lock, &t);\n"
	"\tif (r == EOWNERDEAD)\n\t\tr = pthread_mutex_consistent(&h->lock);\n"
	"\treturn -r;\n}\n\n"
	"static sigjmp_buf guard_env;\n"
	"static void on_fault(int sig)\n{\n\tsiglongjmp(guard_env, sig);\n}\n\n"
	"/* A record access under the lock (a read-only mapping cannot take it);\n"
	" * SIGSEGV is -EFAULT, SIGBUS -ENXIO; a write touches its last byte first. */\n"
	"static long rec_op(struct chan *c, int write, unsigned off, unsigned len)\n{\n"
	"\tuint8_t *reg = (uint8_t *)c->map + HDR;\n\tint ro = !(c->ends & END_WRITE);\n"
	"\tvolatile long r = 0;\n"
	"\tif (!ro && (r = shm_lock(c)))\n\t\treturn r;\n"
	"\tsignal(SIGSEGV, on_fault);\n\tsignal(SIGBUS, on_fault);\n"
	"\tint s = sigsetjmp(guard_env, 1);\n\tif (!s) {\n"
	"\t\tif (write && off <= c->size && c->size - off >= 8 + len)\n"
	"\t\t\t(void)*(volatile uint8_t *)(reg + off + 8 + len - 1);\n"
	"\t\tr = write ? record_write(reg, c->size, off, pay, len, 0)\n"
	"\t\t\t  : record_read(reg, c->size, off, buf, len);\n"
	"\t\tif (write && !r)\n\t\t\tr = len;\n"
	"\t} else {\n\t\tr = s == SIGBUS ? -ENXIO : -EFAULT;\n\t}\n"
	"\tsignal(SIGSEGV, SIG_DFL);\n\tsignal(SIGBUS, SIG_DFL);\n"
	"\tif (!ro)\n\t\tpthread_mutex_unlock(&((struct shm_header *)c->map)->lock);\n"
	"\treturn r;\n}\n\n"
	"/* send ... fork: a child writes the record, its status is the errno. */\n"
	"static long fork_write(struct chan *c, unsigned off, unsigned len)\n{\n"
	"\tint status;\n\tpid_t pid = fork();\n"
	"\tif (pid < 0)\n\t\treturn -errno;\n"
	"\tif (pid == 0) {\n\t\tlong r = rec_op(c, 1, off, len);\n"
	"\t\t_exit(r < 0 ? (int)-r : 0);\n\t}\n"
	"\twhile (waitpid(pid, &status, 0) < 0)\n\t\tif (errno != EINTR)\n"
	"\t\t\treturn -errno;\n"
	"\tif (!WIFEXITED(status))\n\t\treturn -ECHILD;\n"
	"\treturn WEXITSTATUS(status) ? -WEXITSTATUS(status) : (long)len;\n}\n\n"
	"/* A handle goes: its mapping (a SysV attachment has an id), its fd. */\n"
	"static void shm_release(struct chan *c)\n{\n"
	"\tif (c->map && c->id >= 0)\n\t\tshmdt(c->map);\n"
	"\telse if (c->map)\n\t\tmunmap(c->map, c->map_len);\n"
	"\tfor (int i = 0; i < 2; i++)\n\t\tif (c->fd[i] >= 0)\n\t\t\tclose(c->fd[i]);\n"
	"\tc->map = NULL;\n\tc->fd[0] = c->fd[1] = -1;\n\tc->ends = 0;\n\tc->id = -1;\n}\n\n"
	"/* All of fd mapped (share: MAP_SHARED or MAP_PRIVATE); the handle owns\n"
	" * fd from here.  -ENODATA when the object has no finished header. */\n"
	"static long shm_map_fd(struct chan *c, int fd, int ro, int share)\n{\n"
	"\tstruct stat st;\n"
	"\tc->fd[0] = fd;\n\tc->ends = ro ? END_READ : END_READ | END_WRITE;\n"
	"\tif (fstat(fd, &st))\n\t\treturn -errno;\n"
	"\tif ((size_t)st.st_size < HDR)\n\t\treturn -ENODATA;\n"
	"\tvoid *p = mmap(NULL, (size_t)st.st_size, ro ? PROT_READ : PROT_READ | PROT_WRITE,\n"
	"\t\t       share, fd, 0);\n"
	"\tif (p == MAP_FAILED)\n\t\treturn -errno;\n"
	"\tc->map = p;\n\tc->map_len = (size_t)st.st_size;\n\tc->size = c->map_len - HDR;\n"
	"\treturn ((struct shm_header *)p)->magic == SHM_MAGIC ? 0 : -ENODATA;\n}\n\n"
	"/* A file just opened: a new (empty) one gets its size and header through\n"
	" * a shared mapping; an existing one keeps both. */\n"
	"static long shm_open_fd(struct chan *c, struct ref *rf, int fd, unsigned len, int "
	"share)\n{\n"
	"\tstruct stat st;\n"
	"\tif (!fstat(fd, &st) && st.st_size == 0) {\n"
	"\t\tvoid *h = MAP_FAILED;\n"
	"\t\tif (!ftruncate(fd, (off_t)(HDR + len)))\n"
	"\t\t\th = mmap(NULL, HDR, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);\n"
	"\t\tif (h == MAP_FAILED) {\n\t\t\tint e = errno;\n\t\t\tclose(fd);\n"
	"\t\t\treturn -e;\n\t\t}\n"
	"\t\theader_init(h, len);\n\t\tmunmap(h, HDR);\n\t}\n"
	"\tlong r = shm_map_fd(c, fd, 0, share);\n\trf->size = c->size;\n\treturn r;\n}\n\n"
	"/* F_ADD_SEALS.  F_SEAL_WRITE is refused while a writable shared mapping\n"
	" * exists: the handle unmaps its own first and maps the file again after\n"
	" * (read-only once it is sealed). */\n"
	"static long shm_seal(struct chan *c, unsigned seal)\n{\n"
	"\tif (seal != F_SEAL_WRITE)\n\t\treturn fcntl(c->fd[0], F_ADD_SEALS, seal) ? -errno : 0;\n"
	"\tint ro = !(c->ends & END_WRITE);\n"
	"\tmunmap(c->map, c->map_len);\n\tc->map = NULL;\n"
	"\tlong r = fcntl(c->fd[0], F_ADD_SEALS, seal) ? -errno : 0;\n"
	"\tif (fcntl(c->fd[0], F_GET_SEALS) & F_SEAL_WRITE)\n\t\tro = 1;\n"
	"\tlong m = shm_map_fd(c, c->fd[0], ro, MAP_SHARED);\n"
	"\treturn r ? r : m;\n}\n\n";

void shm_to_c_helpers(FILE *f)
{
	fprintf(f, helpers, SHM_MAGIC);
}

static const unsigned seal_bits[] = {
	[OPT_SEAL_WRITE - OPT_SEAL_WRITE] = F_SEAL_WRITE,
	[OPT_SEAL_SHRINK - OPT_SEAL_WRITE] = F_SEAL_SHRINK,
	[OPT_SEAL_GROW - OPT_SEAL_WRITE] = F_SEAL_GROW,
	[OPT_SEAL_SEAL - OPT_SEAL_WRITE] = F_SEAL_SEAL,
};

static void setopt_c(FILE *f, const struct op *op, uint64_t options)
{
	unsigned opt = (uint16_t)op->arg;

	if (opt >= 64 || !(options >> opt & 1))
		fprintf(f, "\t\tr = -ENOTSUP; /* no such option */\n");
	else if (opt == OPT_NATTCH)
		fprintf(f,
			"\t\tstruct shmid_ds ds;\n"
			"\t\tr = shmctl(c->id, IPC_STAT, &ds) ? -errno : (long)ds.shm_nattch;\n");
	else if (opt == OPT_TRUNCATE)
		fprintf(f, "\t\tr = ftruncate(c->fd[0], (off_t)(HDR + %u)) ? -errno : 0;\n",
			op->len);
	else if (opt == OPT_GUARD) /* one op at a time: the reproducer keeps its mutex */
		fprintf(f,
			"\t\tstruct shmid_ds ds; /* SysV: IPC_STAT's permission first */\n"
			"\t\tif (c->id >= 0 && shmctl(c->id, IPC_STAT, &ds))\n\t\t\tr = -errno;\n"
			"\t\telse\n\t\t\tr = %u >= %u ? -EINVAL : !(c->ends & END_WRITE) ? -EFAULT "
			": "
			"0;\n",
			op->len, (unsigned)SHM_GUARD_COUNT);
	else if (opt >= OPT_SEAL_WRITE && opt <= OPT_SEAL_SEAL)
		fprintf(f, "\t\tr = shm_seal(c, 0x%xu);\n", seal_bits[opt - OPT_SEAL_WRITE]);
	else
		fprintf(f, "\t\tr = -ENOTSUP;\n");
}

int shm_to_c_op(FILE *f, const struct op *op, uint64_t options)
{
	if (!op) {
		shm_to_c_helpers(f);
		return 1;
	}
	switch (op->kind) {
	case OP_SEND:
	case OP_RECV:
		if (op->kind == OP_SEND && (op->flags & OPF_FORK))
			fprintf(f, "\t\tr = fork_write(c, %u, %u);\n", (uint16_t)op->arg, op->len);
		else
			fprintf(f, "\t\tr = rec_op(c, %d, %u, %u);\n", op->kind == OP_SEND,
				(uint16_t)op->arg, op->len);
		return 1;
	case OP_CLOSE:
		fprintf(f, "\t\tshm_release(c); /* one mapping: any close releases it */\n");
		return 1;
	case OP_SETOPT:
		setopt_c(f, op, options);
		return 1;
	case OP_PERM: /* an inode: its descriptor (SysV: the target's own) */
		to_c_perm_fd(f, op, "c->fd[0]");
		return 1;
	}
	return 0;
}

void shm_to_c_named(FILE *f, const struct op *op, const char *open_call, const char *unlink_call,
		    int private)
{
	int ro = (op->flags & OPF_RDONLY) != 0;

	switch (op->kind) {
	case OP_CREATE:
		fprintf(f,
			"\t\tint fd = %s, O_RDWR | O_CLOEXEC%s%s, 0%o);\n"
			"\t\tr = fd < 0 ? -errno : shm_open_fd(c, rf, fd, %u, %s);\n",
			open_call, op->flags & OPF_CREAT ? " | O_CREAT" : "",
			op->flags & OPF_EXCL ? " | O_EXCL" : "", op_create_mode(op), op->len,
			private ? "MAP_PRIVATE" : "MAP_SHARED");
		break;
	case OP_JOIN:
		fprintf(f,
			"\t\tint fd = %s, %s | O_CLOEXEC, 0);\n"
			"\t\tr = fd < 0 ? -errno : shm_map_fd(c, fd, %d, MAP_SHARED);\n",
			open_call, ro ? "O_RDONLY" : "O_RDWR", ro);
		break;
	case OP_DESTROY:
		fprintf(f, "\t\tr = %s ? -errno : 0;\n", unlink_call);
		break;
	}
}
