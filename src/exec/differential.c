#include "differential.h"

#include "trace.h"

#include <stdio.h>
#include <string.h>

/* One line that says how a run ended. */
static void verdict(char *buf, size_t cap, const char *backend, const struct report *r)
{
	if (!r->check[0])
		snprintf(buf, cap, "%s run: matched the model\n", backend);
	else
		snprintf(buf, cap, "%s run: %s (its report follows the traces)\n", backend,
			 r->signature);
}

int differential_run(struct executor *e, const struct prog *p, struct report *r)
{
	static struct prog ps, pu;
	static struct trace ts, tu;
	static struct report rs, ru;
	static char detail[sizeof r->text];

	prog_with_backend(p, 0, &ps);
	prog_with_backend(p, 1, &pu);
	trace_clear(&ts);
	trace_clear(&tu);
	executor_set_trace(e, &ts);
	int fs = executor_run(e, &ps, &rs);
	executor_set_trace(e, &tu);
	int fu = executor_run(e, &pu, &ru);
	executor_set_trace(e, NULL);

	int d = trace_diff(&ts, &tu);
	if (d < 0) {
		/* The same under both backends: a finding, if any, is the model's
		 * (or the audit's) and the run that found it says it best. */
		if (!fs && !fu)
			return 0;
		*r = fs ? rs : ru;
		return 1;
	}
	size_t n = 0;
	int index = d < ts.n ? ts.e[d].index : d < tu.n ? tu.e[d].index : -1;
	n += (size_t)snprintf(detail + n, sizeof detail - n,
			      "the two use backends disagree at result %d:\n", d);
	verdict(detail + n, sizeof detail - n, "syscall", &rs);
	n = strlen(detail);
	verdict(detail + n, sizeof detail - n, "io_uring", &ru);
	n = strlen(detail);
	n += (size_t)snprintf(detail + n, sizeof detail - n, "syscall trace:\n");
	n += trace_format(&ts, d, detail + n, n < sizeof detail ? sizeof detail - n : 0);
	if (n < sizeof detail)
		n += (size_t)snprintf(detail + n, sizeof detail - n, "io_uring trace:\n");
	if (n < sizeof detail)
		n += trace_format(&tu, d, detail + n, sizeof detail - n);
	if (n < sizeof detail && (fs || fu)) {
		/* The run's own report, but its signature is not this one's. */
		const char *text = fu ? ru.text : rs.text, *sig = strstr(text, "signature: ");
		int keep = sig ? (int)(sig - text) : (int)strlen(text);
		snprintf(detail + n, sizeof detail - n, "%.*s", keep, text);
	}
	report_clear(r);
	report_fail(r, executor_target(e), p, index, "diff", detail);
	return 1;
}
