/* The tests' fault switch: IPCFUZZ_FAULT=name[,name...] deliberately breaks
 * one piece of a target so a test can show that the oracle catches it.  Read
 * once; checking a fault is a load and a mask in the hot path. */
#ifndef IPCFUZZ_FAULT_H
#define IPCFUZZ_FAULT_H

#include <stdint.h>

enum fault {
	FAULT_STREAM_DROP_BYTE = 0, /* pipe recv loses its last byte */
	FAULT_STREAM_SWAP = 1,	    /* pipe recv swaps two bytes (reorder) */
	FAULT_MSG_IGNORE_TYPE = 2,  /* msgrcv ignores msgtyp */
	FAULT_MSG_NO_RMID = 3,	    /* SysV queue destroy forgets IPC_RMID */
	FAULT_MSG_BAD_ERRNO = 4,    /* E2BIG reported as EINVAL */
	FAULT_LEAK_FD = 5,	    /* close forgets the read end */
	FAULT_SHM_TORN = 6,	    /* shm record written half, unlocked */
	FAULT_SHM_NO_UNLINK = 7,    /* shm destroy forgets shm_unlink */
	FAULT_SHM_LEAK_MAP = 8,	    /* shm close forgets munmap */
	FAULT_PEER_LEAK_FD = 9,	    /* a peer leaks a descriptor at the end */
	FAULT_HANG = 10,	    /* recv waits although data is there */
	/* Strays: a create also leaves something behind that no ledger knows,
	 * so only the namespace-wide audit can see it. */
	FAULT_STRAY_SYSV = 11,	 /* an IPC_PRIVATE queue nobody removes */
	FAULT_STRAY_NAME = 12,	 /* a /dev/shm name nobody unlinks */
	FAULT_STRAY_SIGNAL = 13, /* a blocked signal left pending */
	FAULT_STRAY_CHILD = 14,	 /* a child nobody reaps */
	/* Stress producers that break their own stream, once, at producer 0's
	 * frame STRESS_FAULT_SEQ, so each stress check can be seen firing. */
	FAULT_STRESS_SKIP = 15,	    /* a sequence number never sent */
	FAULT_STRESS_DUP = 16,	    /* one frame sent twice */
	FAULT_STRESS_CORRUPT = 17,  /* one payload byte flipped after the checksum */
	FAULT_STRESS_REORDER = 18,  /* two frames sent in swapped order */
	FAULT_STRESS_TRUNCATE = 19, /* one frame sent 8 bytes short */
	/* Binder: a transaction's receiver or the leak bookkeeping broken. */
	FAULT_BINDER_DROP_BYTE = 20,  /* recv loses the payload's last byte */
	FAULT_BINDER_FLIP = 21,	      /* recv flips a payload byte */
	FAULT_BINDER_WRONG_CODE = 22, /* recv reports code + 1 */
	FAULT_BINDER_DEAD_ERRNO = 23, /* BR_DEAD_REPLY reported as EPROTO */
	FAULT_BINDER_NO_FREE = 24,    /* recv forgets BC_FREE_BUFFER */
	FAULT_BINDER_KEEP_FD = 25,    /* recv keeps a received fd object open */
	FAULT_BINDER_LEAK_REF = 26,   /* a client takes a ref on handle 0 (BC_ACQUIRE) */
	/* The io_uring use backend (src/uring/), broken on its own so the
	 * model, the differential run and the audit can be seen catching it. */
	FAULT_URING_DROP_BYTE = 27, /* a receive through the ring loses a byte */
	FAULT_URING_LEAK_RING = 28, /* the end of a program forgets the ring */
	FAULT_URING_HANG = 29,	    /* a ring receive waits behind a long timeout */
	/* Access control: a peer that keeps root's powers, a namespace never
	 * entered, a denial reported with the wrong errno. */
	FAULT_IDENT_NO_DROP = 30,  /* ident skips setgroups/setresgid/setresuid */
	FAULT_IDENT_NO_NS = 31,	   /* ident skips unshare */
	FAULT_ACCESS_ERRNO = 32,   /* EACCES reported as EPERM */
	FAULT_NS_AUDIT_BLIND = 46, /* a peer's own namespaces kept as they are, "as made" */
	/* signal */
	FAULT_SIG_NO_COALESCE = 33,   /* a standard signal received twice */
	FAULT_SIG_RT_REORDER = 34,    /* two queued real-time signals swapped */
	FAULT_SIG_WRONG_VALUE = 35,   /* sigqueue carries the wrong value */
	FAULT_SIG_HIDE_EAGAIN = 36,   /* a sender calls EAGAIN success */
	FAULT_SIG_SURVIVE_KILL = 37,  /* SIGKILL sent as SIGUSR1 (it "was blocked") */
	FAULT_SIG_LEAVE_PENDING = 38, /* the reset forgets to drain pending signals */
	FAULT_SIG_LEAVE_HANDLER = 39, /* the reset forgets to restore handlers */
	/* pty: the line discipline works with a termios flag off for one write */
	FAULT_PTY_NO_ICRNL = 40,     /* a master write: CR is not turned into NL */
	FAULT_PTY_NO_ECHO = 41,	     /* a master write: nothing echoed */
	FAULT_PTY_NO_ISIG = 42,	     /* a master write: ^C raises no SIGINT */
	FAULT_PTY_NO_ONLCR = 43,     /* a slave write: NL not turned into CR NL */
	FAULT_PTY_LOSE_BYTE = 44,    /* a read loses a line's newline */
	FAULT_PTY_KEEP_SESSION = 45, /* a session leader peer is kept */
	/* Blocks by family, so mechanisms added side by side never collide. */
	FAULT_FIFO_MQ_BASE = 64,			 /* fifo, posix-mq: 64..79 */
	FAULT_FIFO_NO_UNLINK = FAULT_FIFO_MQ_BASE + 0,	 /* fifo destroy forgets unlink */
	FAULT_FIFO_ENXIO_ERRNO = FAULT_FIFO_MQ_BASE + 1, /* ENXIO reported as EAGAIN */
	FAULT_FIFO_STRAY = FAULT_FIFO_MQ_BASE + 2,	 /* a create leaves a second FIFO */
	FAULT_FIFO_HIDE_EPIPE = FAULT_FIFO_MQ_BASE + 3,	 /* EPIPE reported as success */
	FAULT_MQ_FLIP = FAULT_FIFO_MQ_BASE + 4,		 /* mq recv flips a byte */
	FAULT_MQ_REORDER = FAULT_FIFO_MQ_BASE + 5,	 /* mq recv takes the 2nd message */
	FAULT_MQ_BAD_ERRNO = FAULT_FIFO_MQ_BASE + 6,	 /* EMSGSIZE reported as EINVAL */
	FAULT_MQ_NO_UNLINK = FAULT_FIFO_MQ_BASE + 7,	 /* mq destroy forgets mq_unlink */
	FAULT_MQ_STRAY = FAULT_FIFO_MQ_BASE + 8,	 /* a create leaves a second queue */
	FAULT_MQ_WRONG_PRIO = FAULT_FIFO_MQ_BASE + 9,	 /* mq recv reports prio + 1 */
	FAULT_SOCKET_BASE = 80,				 /* unix-*, tcp, udp: 80..111 */
	FAULT_SHM_FAMILY_BASE = 112,			 /* sysv-shm, mmap-*, memfd: 112..143 */
	FAULT_DMA_BASE = 144,				 /* ion, dma-heap, udmabuf: 144..159 */
	FAULT_SYNC_BASE = 160,	/* sysv-sem, posix-sem, shm guards: 160..175 */
	FAULT_URING_BASE = 176, /* io_uring paths: 176..183 */
	/* unix-*, tcp, udp */
	FAULT_SOCK_DROP_BYTE = FAULT_SOCKET_BASE + 0, /* recv loses its last byte */
	FAULT_SOCK_SWAP = FAULT_SOCKET_BASE + 1,      /* recv swaps two bytes */
	FAULT_SOCK_MERGE = FAULT_SOCKET_BASE + 2,     /* recv runs two datagrams together */
	FAULT_SOCK_ERRNO = FAULT_SOCKET_BASE + 3,     /* a failed send reports the wrong errno */
	FAULT_SOCK_KEEP_FD = FAULT_SOCKET_BASE + 4,   /* recv keeps a passed descriptor open */
	FAULT_SOCK_SEND_KEEP = FAULT_SOCKET_BASE + 5, /* send keeps its copy of the passed fd */
	FAULT_SOCK_LEAK = FAULT_SOCKET_BASE + 6,      /* close forgets the receiving socket */
	FAULT_SOCK_NO_UNLINK = FAULT_SOCKET_BASE + 7, /* destroy forgets the socket's path */
	FAULT_SOCK_WRONG_FD = FAULT_SOCKET_BASE + 8,  /* send passes another object */
	FAULT_SOCK_NO_TRUNC = FAULT_SOCKET_BASE + 9,  /* recv hides MSG_TRUNC */
	FAULT_SOCK_CREDS = FAULT_SOCKET_BASE + 10,    /* recv names the wrong sender */
	/* unix-*: access (joins by address, who the peer is): 100..111 */
	FAULT_SOCK_CHMOD = FAULT_SOCKET_BASE + 20,    /* create opens path and dir to all */
	FAULT_SOCK_PEER_UID = FAULT_SOCKET_BASE + 21, /* SO_PEERCRED names another uid */
	FAULT_SOCK_CRED_UID = FAULT_SOCKET_BASE + 22, /* SCM_CREDENTIALS names another uid */
	/* sysv-shm, mmap-*, memfd (FAULT_SHM_FAMILY_BASE + 0..31) */
	FAULT_SHM_RO_WRITABLE = FAULT_SHM_FAMILY_BASE + 0,  /* SHM_RDONLY / PROT_READ dropped */
	FAULT_SHM_NO_ROUND = FAULT_SHM_FAMILY_BASE + 1,	    /* a segment's size not page-rounded */
	FAULT_SHM_ATTACH_TWICE = FAULT_SHM_FAMILY_BASE + 2, /* a join attaches twice */
	FAULT_SHM_NO_RMID = FAULT_SHM_FAMILY_BASE + 3,	    /* destroy forgets IPC_RMID */
	FAULT_SHM_SIZE_ERRNO = FAULT_SHM_FAMILY_BASE + 4,   /* shmget's EINVAL reported as ENOSPC */
	FAULT_SHM_PRIVATE_SHARED = FAULT_SHM_FAMILY_BASE + 5, /* MAP_PRIVATE mapped MAP_SHARED */
	FAULT_SHM_NO_SEAL = FAULT_SHM_FAMILY_BASE + 6,	      /* a seal asked for is not added */
	FAULT_SHM_SEAL_ERRNO = FAULT_SHM_FAMILY_BASE + 7, /* a sealed truncate's EPERM as EBUSY */
	FAULT_SHM_NO_UNLINK_FILE = FAULT_SHM_FAMILY_BASE + 8, /* mmap-file destroy keeps the file */
	FAULT_SHM_BUS_HIDDEN = FAULT_SHM_FAMILY_BASE + 9, /* truncate grows back past a shrink */
	/* ion, dma-heap, udmabuf (targets/common/dmabuf.c) */
	FAULT_DMA_TORN = FAULT_DMA_BASE + 0,	  /* send writes half a record, no lock, no SYNC */
	FAULT_DMA_LEAK_FD = FAULT_DMA_BASE + 1,	  /* close unmaps but keeps the dma-buf fd */
	FAULT_DMA_LEAK_MAP = FAULT_DMA_BASE + 2,  /* close forgets munmap */
	FAULT_DMA_BAD_ERRNO = FAULT_DMA_BASE + 3, /* ERANGE reported as EINVAL */
	FAULT_DMA_SYNC_BAD = FAULT_DMA_BASE + 4,  /* SYNC without a direction (EINVAL) */

	/* sync: sysv-sem, posix-sem, the shared-memory guards */
	FAULT_SEM_NO_RMID = FAULT_SYNC_BASE + 0,    /* sysv-sem destroy forgets IPC_RMID */
	FAULT_SEM_NO_UNLINK = FAULT_SYNC_BASE + 1,  /* posix-sem destroy forgets sem_unlink */
	FAULT_SEM_STRAY_SET = FAULT_SYNC_BASE + 2,  /* a create leaves a SysV semaphore set */
	FAULT_SEM_STRAY_NAME = FAULT_SYNC_BASE + 3, /* a create leaves a /dev/shm/sem.* name */
	FAULT_SEM_NO_UNDO = FAULT_SYNC_BASE + 4,    /* semop drops the handle's SEM_UNDO */
	FAULT_SEM_LOST_POST = FAULT_SYNC_BASE + 5,  /* a V / post of n adds n - 1 */
	FAULT_SEM_BAD_ERRNO = FAULT_SYNC_BASE + 6,  /* ERANGE / EOVERFLOW reported as EINVAL */
	FAULT_GUARD_NOOP = FAULT_SYNC_BASE + 7,	    /* a shm guard takes and gives nothing */
	FAULT_GUARD_DIE_MID = FAULT_SYNC_BASE + 8,  /* a guarded write dies halfway (SIGKILL) */
	/* sync: the semaphores' stress profiles (targets/common/sem_stress.c) */
	FAULT_SEM_STRESS_NO_POST = FAULT_SYNC_BASE + 9, /* a frame published, "filled" not posted */
	/* io_uring paths (FAULT_URING_BASE + 0..7) */
	FAULT_URING_TTY_EOF_EIO = FAULT_URING_BASE + 0, /* a tty's ring read says EIO for EOF */
	/* a FIFO's non-blocking receive waits in the ring (polled first) */
	FAULT_URING_FIFO_POLL = FAULT_URING_BASE + 1,
	/* a tty's 0-byte write goes to the ring (polled first: may wait) */
	FAULT_URING_TTY_ZERO_WRITE = FAULT_URING_BASE + 2,
	FAULT_LIMIT = 256, /* the mask's size in bits */
};

/* Which faults are on: a bit per enum value; fault_any says whether any is
 * (so a hot path that only cares about "none" reads one word). */
extern uint64_t fault_mask[FAULT_LIMIT / 64];
extern int fault_any;
void fault_init(void); /* parses IPCFUZZ_FAULT; exits 2 on an unknown name */
static inline int fault_on(enum fault f)
{
	unsigned n = (unsigned)f;
	return n < FAULT_LIMIT && ((fault_mask[n / 64] >> (n % 64)) & 1u) != 0;
}
const char *fault_names(void); /* for --help */
/* Leaves behind whatever stray faults are on (called after a create). */
void fault_strays(void);

#endif
