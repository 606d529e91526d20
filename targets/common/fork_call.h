/* Runs fn(arg) in a forked child of the calling process and waits for it:
 * the child's result travels as its exit status (a negative errno), so a
 * call made "by a forked peer" (send ... fork) reports like any other. */
#ifndef IPCFUZZ_FORK_CALL_H
#define IPCFUZZ_FORK_CALL_H

/* fn's value when it is 0 or a negative errno (a positive one reads as 0),
 * -ECHILD when the child did not exit normally. */
long fork_call(long (*fn)(void *), void *arg);

#endif
