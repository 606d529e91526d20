/* A divergence or leak report: names the program (text form), the op, the
 * check that fired, and both results.  The signature (check/target/op) is
 * what campaigns deduplicate crashes by. */
#ifndef IPCFUZZ_REPORT_H
#define IPCFUZZ_REPORT_H

#include <stddef.h>

#include "../model/model.h"
#include "../prog/prog.h"

struct report {
	char check[32];	    /* errno, result, edge, data, order, torn, hang, leak:... */
	int op_index;	    /* -1 = after the program (audit) */
	char signature[96]; /* check/target/opkind */
	char text[8192];
	/* Not run, and why (io_uring unavailable): neither passed nor failed. */
	char skipped[160];
};

void report_clear(struct report *r);
bool report_failed(const struct report *r);
/* Judges actual against expected; fills r and returns true on a divergence. */
bool report_judge(struct report *r, const char *target, enum sem_class cls, const struct prog *p,
		  int index, const struct op *ran, const struct expect *ex,
		  const struct outcome *out, const uint8_t *data, const char *note);
void report_skip(struct report *r, const char *why);
/* Records a failure that is not a result comparison (leak, peer died). */
void report_fail(struct report *r, const char *target, const struct prog *p, int index,
		 const char *check, const char *detail);

#endif
