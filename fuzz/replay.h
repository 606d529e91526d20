#ifndef IPCFUZZ_REPLAY_H
#define IPCFUZZ_REPLAY_H

/* `[--runs N] [--quiet] PATH...`; target may be NULL (then --target T, or
 * the name of the corpus folder).  Exit 0 all clean, 1 a finding, 2 bad use. */
int replay_main(const char *target, int argc, char **argv);

#endif
