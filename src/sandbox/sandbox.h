/* One sandbox per process: private IPC, mount and network namespaces with a
 * fresh /dev/shm and mqueue mount and loopback up, so runs touch nothing of
 * the host's and the audit can count the whole namespace.  Where that is not
 * allowed, unique name and key prefixes instead, and it says so. */
#ifndef IPCFUZZ_SANDBOX_H
#define IPCFUZZ_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

enum sandbox_mode { SANDBOX_NONE, SANDBOX_NAMESPACES, SANDBOX_PREFIX };

/* Idempotent; must run while the process has one thread.  IPCFUZZ_SANDBOX=
 * prefix forces the fallback (tests use it). */
enum sandbox_mode sandbox_enter(void);
enum sandbox_mode sandbox_mode(void);
const char *sandbox_describe(void);

/* The sandbox a process entered, as one line of text, and the same state
 * taken over by a process exec'd inside it (the lean peer zygote): it is
 * already in the namespaces, it only needs the names.  0, or -1 when the
 * text is not an export. */
void sandbox_export(char *buf, size_t cap);
int sandbox_import(const char *text);

/* Moves the calling process into new namespaces (CLONE_NEWIPC, NEWNS,
 * NEWNET): a new mount namespace gets a fresh /dev/shm, a new network one
 * its loopback up.  0 or -errno.  Peers with an identity use it too. */
int sandbox_private(int clone_flags);

/* Where POSIX mqueues are mounted in the sandbox ("" when not mounted). */
const char *sandbox_mqueue_dir(void);
/* Does /dev/pts hold a devpts instance of our own? */
int sandbox_private_pts(void);

/* Names and keys of object slots: unique to this process in fallback mode. */
void sandbox_posix_name(char *buf, size_t cap, unsigned obj, unsigned form);
int32_t sandbox_sysv_key(unsigned obj);
/* A path for a file-system object (a FIFO) of a slot in the sandbox's own
 * directory, /dev/shm (private tmpfs, or the host's with our prefix, which
 * the audit counts and the sweep removes): "" for NAME_EMPTY, a missing
 * directory for NAME_SLASH, a component past NAME_MAX for NAME_LONG. */
void sandbox_path_name(char *buf, size_t cap, unsigned obj, unsigned form);
/* True when a /dev/shm entry or SysV key belongs to this process. */
int sandbox_owns_name(const char *entry);
int sandbox_owns_key(int32_t key);

/* Removes what dead ipcfuzz processes left behind in fallback mode (names
 * and keys carrying a pid that no longer runs); touches nothing else. */
void sandbox_sweep_stale(void);
/* Unlinks the entries of dir that match (a directory among them with what
 * is in it) / removes the SysV objects whose key matches (the one place
 * that deletes things by pattern). */
void sandbox_remove_names(const char *dir, int (*match)(const char *name));
void sandbox_remove_sysv(int (*match)(long key));
/* The match for all: inside namespaces of our own everything is ours. */
int sandbox_any_name(const char *name);
int sandbox_any_key(long key);

#endif
