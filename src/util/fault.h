/* The tests' fault switch: IPCFUZZ_FAULT=name[,name...] deliberately breaks
 * one piece of a target so a test can show that the oracle catches it.  Read
 * once; checking a fault is a load and a mask in the hot path. */
#ifndef IPCFUZZ_FAULT_H
#define IPCFUZZ_FAULT_H

enum fault {
	FAULT_STREAM_DROP_BYTE = 1u << 0, /* pipe recv loses its last byte */
	FAULT_STREAM_SWAP = 1u << 1,      /* pipe recv swaps two bytes (reorder) */
	FAULT_MSG_IGNORE_TYPE = 1u << 2,  /* msgrcv ignores msgtyp */
	FAULT_MSG_NO_RMID = 1u << 3,      /* SysV queue destroy forgets IPC_RMID */
	FAULT_MSG_BAD_ERRNO = 1u << 4,    /* E2BIG reported as EINVAL */
	FAULT_LEAK_FD = 1u << 5,          /* close forgets the read end */
	FAULT_SHM_TORN = 1u << 6,         /* shm record written half, unlocked */
	FAULT_SHM_NO_UNLINK = 1u << 7,    /* shm destroy forgets shm_unlink */
	FAULT_SHM_LEAK_MAP = 1u << 8,     /* shm close forgets munmap */
	FAULT_PEER_LEAK_FD = 1u << 9,     /* a peer leaks a descriptor at the end */
	FAULT_HANG = 1u << 10,            /* recv waits although data is there */
	/* Strays: a create also leaves something behind that no ledger knows,
	 * so only the namespace-wide audit can see it. */
	FAULT_STRAY_SYSV = 1u << 11,   /* an IPC_PRIVATE queue nobody removes */
	FAULT_STRAY_NAME = 1u << 12,   /* a /dev/shm name nobody unlinks */
	FAULT_STRAY_SIGNAL = 1u << 13, /* a blocked signal left pending */
	FAULT_STRAY_CHILD = 1u << 14,  /* a child nobody reaps */
	/* Stress producers that break their own stream, once, at producer 0's
	 * frame STRESS_FAULT_SEQ, so each stress check can be seen firing. */
	FAULT_STRESS_SKIP = 1u << 15,     /* a sequence number never sent */
	FAULT_STRESS_DUP = 1u << 16,      /* one frame sent twice */
	FAULT_STRESS_CORRUPT = 1u << 17,  /* one payload byte flipped after the checksum */
	FAULT_STRESS_REORDER = 1u << 18,  /* two frames sent in swapped order */
	FAULT_STRESS_TRUNCATE = 1u << 19, /* one frame sent 8 bytes short */
	/* Access control: a peer that keeps root's powers, a namespace never
	 * entered, a denial reported with the wrong errno. */
	FAULT_IDENT_NO_DROP = 1u << 20, /* ident skips setgroups/setresgid/setresuid */
	FAULT_IDENT_NO_NS = 1u << 21,   /* ident skips unshare */
	FAULT_ACCESS_ERRNO = 1u << 22,  /* EACCES reported as EPERM */
};

extern unsigned fault_mask;
void fault_init(void); /* parses IPCFUZZ_FAULT; exits 2 on an unknown name */
static inline int fault_on(enum fault f)
{
	return (fault_mask & (unsigned)f) != 0;
}
const char *fault_names(void); /* for --help */
/* Leaves behind whatever stray faults are on (called after a create). */
void fault_strays(void);

#endif
