/* The tests' fault switch: IPCFUZZ_FAULT=name[,name...] deliberately breaks
 * one piece of a target so a test can show that the oracle catches it.  Read
 * once; checking a fault is a load and a mask in the hot path. */
#ifndef IPCFUZZ_FAULT_H
#define IPCFUZZ_FAULT_H

#include <stdint.h>

enum fault {
	FAULT_STREAM_DROP_BYTE = 1ull << 0, /* pipe recv loses its last byte */
	FAULT_STREAM_SWAP = 1ull << 1,	    /* pipe recv swaps two bytes (reorder) */
	FAULT_MSG_IGNORE_TYPE = 1ull << 2,  /* msgrcv ignores msgtyp */
	FAULT_MSG_NO_RMID = 1ull << 3,	    /* SysV queue destroy forgets IPC_RMID */
	FAULT_MSG_BAD_ERRNO = 1ull << 4,    /* E2BIG reported as EINVAL */
	FAULT_LEAK_FD = 1ull << 5,	    /* close forgets the read end */
	FAULT_SHM_TORN = 1ull << 6,	    /* shm record written half, unlocked */
	FAULT_SHM_NO_UNLINK = 1ull << 7,    /* shm destroy forgets shm_unlink */
	FAULT_SHM_LEAK_MAP = 1ull << 8,	    /* shm close forgets munmap */
	FAULT_PEER_LEAK_FD = 1ull << 9,	    /* a peer leaks a descriptor at the end */
	FAULT_HANG = 1ull << 10,	    /* recv waits although data is there */
	/* Strays: a create also leaves something behind that no ledger knows,
	 * so only the namespace-wide audit can see it. */
	FAULT_STRAY_SYSV = 1ull << 11,	 /* an IPC_PRIVATE queue nobody removes */
	FAULT_STRAY_NAME = 1ull << 12,	 /* a /dev/shm name nobody unlinks */
	FAULT_STRAY_SIGNAL = 1ull << 13, /* a blocked signal left pending */
	FAULT_STRAY_CHILD = 1ull << 14,	 /* a child nobody reaps */
	/* Stress producers that break their own stream, once, at producer 0's
	 * frame STRESS_FAULT_SEQ, so each stress check can be seen firing. */
	FAULT_STRESS_SKIP = 1ull << 15,	    /* a sequence number never sent */
	FAULT_STRESS_DUP = 1ull << 16,	    /* one frame sent twice */
	FAULT_STRESS_CORRUPT = 1ull << 17,  /* one payload byte flipped after the checksum */
	FAULT_STRESS_REORDER = 1ull << 18,  /* two frames sent in swapped order */
	FAULT_STRESS_TRUNCATE = 1ull << 19, /* one frame sent 8 bytes short */
	/* Binder: a transaction's receiver or the leak bookkeeping broken. */
	FAULT_BINDER_DROP_BYTE = 1ull << 20,  /* recv loses the payload's last byte */
	FAULT_BINDER_FLIP = 1ull << 21,	      /* recv flips a payload byte */
	FAULT_BINDER_WRONG_CODE = 1ull << 22, /* recv reports code + 1 */
	FAULT_BINDER_DEAD_ERRNO = 1ull << 23, /* BR_DEAD_REPLY reported as EPROTO */
	FAULT_BINDER_NO_FREE = 1ull << 24,    /* recv forgets BC_FREE_BUFFER */
	FAULT_BINDER_KEEP_FD = 1ull << 25,    /* recv keeps a received fd object open */
	FAULT_BINDER_LEAK_REF = 1ull << 26,   /* a client takes a ref on handle 0 (BC_ACQUIRE) */
	/* The io_uring use backend (src/uring/), broken on its own so the
	 * model, the differential run and the audit can be seen catching it. */
	FAULT_URING_DROP_BYTE = 1ull << 27, /* a receive through the ring loses a byte */
	FAULT_URING_LEAK_RING = 1ull << 28, /* the end of a program forgets the ring */
	FAULT_URING_HANG = 1ull << 29,	    /* a ring receive waits behind a long timeout */
	/* Access control: a peer that keeps root's powers, a namespace never
	 * entered, a denial reported with the wrong errno. */
	FAULT_IDENT_NO_DROP = 1ull << 30, /* ident skips setgroups/setresgid/setresuid */
	FAULT_IDENT_NO_NS = 1ull << 31,	  /* ident skips unshare */
	FAULT_ACCESS_ERRNO = 1ull << 32,  /* EACCES reported as EPERM */
	/* signal */
	FAULT_SIG_NO_COALESCE = 1ull << 33,   /* a standard signal received twice */
	FAULT_SIG_RT_REORDER = 1ull << 34,    /* two queued real-time signals swapped */
	FAULT_SIG_WRONG_VALUE = 1ull << 35,   /* sigqueue carries the wrong value */
	FAULT_SIG_HIDE_EAGAIN = 1ull << 36,   /* a sender calls EAGAIN success */
	FAULT_SIG_SURVIVE_KILL = 1ull << 37,  /* SIGKILL sent as SIGUSR1 (it "was blocked") */
	FAULT_SIG_LEAVE_PENDING = 1ull << 38, /* the reset forgets to drain pending signals */
	FAULT_SIG_LEAVE_HANDLER = 1ull << 39, /* the reset forgets to restore handlers */
	/* pty: the line discipline works with a termios flag off for one write */
	FAULT_PTY_NO_ICRNL = 1ull << 40,     /* a master write: CR is not turned into NL */
	FAULT_PTY_NO_ECHO = 1ull << 41,	     /* a master write: nothing echoed */
	FAULT_PTY_NO_ISIG = 1ull << 42,	     /* a master write: ^C raises no SIGINT */
	FAULT_PTY_NO_ONLCR = 1ull << 43,     /* a slave write: NL not turned into CR NL */
	FAULT_PTY_LOSE_BYTE = 1ull << 44,    /* a read loses a line's newline */
	FAULT_PTY_KEEP_SESSION = 1ull << 45, /* a session leader peer is kept */
};

extern uint64_t fault_mask;
void fault_init(void); /* parses IPCFUZZ_FAULT; exits 2 on an unknown name */
static inline int fault_on(enum fault f)
{
	return (fault_mask & (uint64_t)f) != 0;
}
const char *fault_names(void); /* for --help */
/* Leaves behind whatever stray faults are on (called after a create). */
void fault_strays(void);

#endif
