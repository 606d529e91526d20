/* Runs fn(arg) in a forked child of the calling process and waits for it:
 * the child's result travels as its exit status (a negative errno), so a
 * call made "by a forked peer" (send ... fork) reports like any other. */
#ifndef IPCFUZZ_FORK_CALL_H
#define IPCFUZZ_FORK_CALL_H

/* fn's value when it is 0 or a negative errno (a positive one reads as 0),
 * -ECHILD when the child did not exit normally. */
long fork_call(long (*fn)(void *), void *arg);

/* The same in a vfork child: a process of its own (its own SEM_UNDO list,
 * undone at its exit) that borrows the caller's memory instead of a copy
 * of it.  Copying a sanitized fuzzer's page tables, and tearing them down
 * at the child's exit, cost ~0.5 ms a call, most of a program.  Only where
 * the child needs no memory of its own: not for a private mapping (its
 * stores would land in the caller's pages); and a robust lock it takes is
 * on the caller's robust list (the kernel gives a vfork child none): one
 * it died holding would never be freed, so nothing may kill it meanwhile. */
long vfork_call(long (*fn)(void *), void *arg);

#endif
