/* Reproducer C (src/prog/to_c.h) of the socket targets: the to_c hook's
 * body for a sock_kind (socket_to_c.c). */
#ifndef IPCFUZZ_TARGETS_SOCKET_TO_C_H
#define IPCFUZZ_TARGETS_SOCKET_TO_C_H

#include "socket.h"

void sock_to_c(FILE *f, const struct op *op, const struct sock_kind *k);

#endif
