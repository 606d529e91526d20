/* The leak audit: after every program, descriptors, SysV objects, /dev/shm
 * names, mappings, children and pending signals must be back to the
 * snapshot taken before it.  Per program it uses the namespace's own
 * counters (cheap); audit_full() scans /proc at the end of a run. */
#ifndef IPCFUZZ_AUDIT_H
#define IPCFUZZ_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define AUDIT_FD_SPAN 64
/* The plumbing's own descriptors (peer sockets, a namespace's mqueue root)
 * sit at or above this, far above what programs use: never a leak. */
#define AUDIT_HIGH_FD 900

struct audit_snapshot {
	int low_fd;	  /* lowest free descriptor */
	uint64_t fd_open; /* which of [low_fd, low_fd+64) were open */
	int msg_queues;	  /* SysV objects in the namespace (or ours) */
	int shm_segments;
	int sem_sets;
	long shm_names;	  /* entries in /dev/shm (or ours) */
	long mq_names;	  /* entries in the mqueue mount */
	uint64_t blocked; /* the signal mask (signals 1..64, bit sig-1) */
};

/* What a process answers for: its own descriptors and signals (a peer), or
 * also the namespace's objects and names (the executor). */
enum audit_scope { AUDIT_PROCESS, AUDIT_NAMESPACE };
void audit_snapshot(struct audit_snapshot *s);
/* The part a scope needs (a peer's costs no namespace counts). */
void audit_snapshot_scope(struct audit_snapshot *s, enum audit_scope scope);
/* The process part taken now, the namespace counts carried over from
 * counts: what audit_compare_now saw at the end of a program that left
 * nothing (only programs change what the namespaces hold, while the engine
 * may open and close descriptors between them).  Saves ~5 syscalls a
 * program. */
void audit_snapshot_carry(struct audit_snapshot *s, const struct audit_snapshot *counts);
/* Do a's and b's counts of SysV objects and names say the same, and do
 * they see every name (our own namespaces, with our own mqueue mount)?
 * Then no object made between them is left. */
bool audit_names_same(const struct audit_snapshot *a, const struct audit_snapshot *b);
/* Appends one line per leak to why; returns how many kinds leaked. */
int audit_compare(const struct audit_snapshot *before, enum audit_scope scope, char *why,
		  size_t cap);
/* The same, and *seen is what it saw. */
int audit_compare_now(const struct audit_snapshot *before, enum audit_scope scope, char *why,
		      size_t cap, struct audit_snapshot *seen);

/* The current namespaces' own counters, which need no permission: its
 * SysV objects (the fields msg_queues, shm_segments, sem_sets), and the
 * entries of a tmpfs or mqueue directory (path "" with a directory's fd;
 * -1 when it cannot be read). */
void audit_count_sysv_ns(struct audit_snapshot *s);
long audit_dir_entries(int dirfd, const char *path);

/* Mappings made by targets are noted, and must be gone after the program. */
void audit_note_map(void *addr, size_t len);
int audit_check_maps(char *why, size_t cap);
/* A new peer drops the ledger it inherited (and, with unmap, the mappings). */
void audit_forget_maps(int unmap);

/* Signal handlers: a target notes a signal before it changes its
 * disposition; the disposition must be back to what it was by the audit.
 * (audit_full compares every signal with the run's start.) */
void audit_note_handler(int sig);
/* After a leak was reported: the signal mask back as it was. */
void audit_restore_mask(const struct audit_snapshot *s);

/* Children: the executor says which pids are its own peers. */
int audit_children(const pid_t *own, int nown, char *why, size_t cap);

/* End of a run: /proc scan of mappings of IPC objects and of descriptors
 * pointing at IPC objects. */
void audit_full_baseline(void); /* what was open before the first run */
int audit_full(char *why, size_t cap);

/* After a leak was reported: remove what the sandbox says is ours, so one
 * leak does not become every later report. */
void audit_sweep(void);

#endif
