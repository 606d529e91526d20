#include "report.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void report_clear(struct report *r)
{
	r->check[0] = 0;
	r->signature[0] = 0;
	r->text[0] = 0;
	r->skipped[0] = 0;
	r->op_index = -1;
}

void report_skip(struct report *r, const char *why)
{
	snprintf(r->skipped, sizeof r->skipped, "%s", why);
}

bool report_failed(const struct report *r)
{
	return r->check[0] != 0;
}

static void add(struct report *r, const char *fmt, ...)
{
	size_t n = strlen(r->text);
	va_list ap;

	if (n + 1 >= sizeof r->text)
		return;
	va_start(ap, fmt);
	vsnprintf(r->text + n, sizeof r->text - n, fmt, ap);
	va_end(ap);
}

/* The signature names the op that was judged (a woken op is judged at the
 * index of the op that woke it). */
static void header(struct report *r, const char *target, const struct prog *p, int index,
		   const struct op *judged, const char *check)
{
	char line[256];
	const char *kind = judged ? op_kind_name(judged->kind) : "audit";

	snprintf(r->check, sizeof r->check, "%s", check);
	snprintf(r->signature, sizeof r->signature, "%s/%s/%s", check, target, kind);
	r->op_index = index;
	r->text[0] = 0;
	add(r, "ipcfuzz: %s in target %s at %s%d\n", check, target,
	    index >= 0 ? "op " : "end, ops ", index >= 0 ? index : (int)p->n);
	add(r, "program:\n");
	for (size_t i = 0; i < p->n; i++) {
		op_format(&p->ops[i], line, sizeof line);
		add(r, "%s %2zu  %s\n", (int)i == index ? ">>" : "  ", i, line);
	}
}

/* Signal records (8 bytes each) that are all there, in another order. */
static bool same_records_reordered(const uint8_t *a, const uint8_t *b, size_t len)
{
	enum { REC = 8 };
	bool used[IPCF_MAX_LEN / REC + 1] = {false};

	if (len % REC)
		return false;
	for (size_t i = 0; i < len; i += REC) {
		size_t j;
		for (j = 0; j < len; j += REC)
			if (!used[j / REC] && !memcmp(a + i, b + j, REC))
				break;
		if (j >= len)
			return false;
		used[j / REC] = true;
	}
	return true;
}

static const char *classify(enum sem_class cls, const struct expect *ex, const struct outcome *out,
			    const uint8_t *data, size_t *diff_at)
{
	if (ex->unsure)
		return NULL; /* the model said it cannot tell */
	if (ex->has_alt && out->ret == ex->alt_ret && out->err == ex->alt_err && !out->len)
		return NULL;
	if (out->err == EINTR && ex->err != EINTR)
		return "hang"; /* the watchdog or a cancel had to interrupt it */
	if (out->err == EBADMSG && cls == CLASS_SHARED_RECORDS && ex->err != EBADMSG)
		return "torn";
	if (out->err != ex->err && !(ex->err_alt && out->err == ex->err_alt))
		return "errno";
	/* Signals: how many arrived is the coalescing and queueing check. */
	if (cls == CLASS_SIGNALS && out->len != ex->len)
		return "count";
	if (cls == CLASS_SIGNALS && ex->len && memcmp(data, ex->data, ex->len)) {
		if (same_records_reordered(data, ex->data, ex->len))
			return "order";
		for (*diff_at = 0; data[*diff_at] == ex->data[*diff_at]; (*diff_at)++)
			;
		return "data";
	}
	if (out->ret != ex->ret)
		return cls == CLASS_TYPED_QUEUE || cls == CLASS_REQUEST_REPLY ||
				       cls == CLASS_PRIORITY_QUEUE || cls == CLASS_DATAGRAM
			       ? "edge"
			       : "result";
	if (ex->has_mtype && out->mtype != ex->mtype)
		return cls == CLASS_DATAGRAM || cls == CLASS_SOCKET_STREAM ? "ancillary" : "order";
	if (out->len != ex->len)
		return cls == CLASS_BYTE_STREAM || cls == CLASS_LINE_DISCIPLINE ? "result" : "edge";
	if (!ex->len || !memcmp(data, ex->data, ex->len))
		return NULL;
	for (size_t i = 0; i < ex->len; i++)
		if (data[i] != ex->data[i]) {
			*diff_at = i;
			return "data";
		}
	return NULL;
}

/* Signal data is records (src/util/sigrec.h): shown decoded. */
static void add_records(struct report *r, const char *who, const uint8_t *d, size_t len)
{
	add(r, "%s records:", who);
	for (size_t i = 0; i + 8 <= len && i < 8 * 24; i += 8) {
		int32_t v = (int32_t)(d[i + 4] | d[i + 5] << 8 | d[i + 6] << 16 |
				      (uint32_t)d[i + 7] << 24);
		add(r, " [sig %u code %d from %s%u %s value %d]", d[i], (int8_t)d[i + 1],
		    d[i + 2] >= 0xfe ? "" : "a", d[i + 2] >= 0xfe ? 0 : d[i + 2],
		    d[i + 3] == 0   ? "wait"
		    : d[i + 3] == 1 ? "fd"
				    : "handler",
		    v);
		if (d[i + 2] >= 0xfe)
			add(r, "(%s)", d[i + 2] == 0xfe ? "gone" : "pid 0");
	}
	add(r, "\n");
}

/* IPCFUZZ_TRACE=1: every judged op on stderr, for people writing seeds. */
static void trace(enum sem_class cls, int index, const struct op *ran, const struct expect *ex,
		  const struct outcome *out, const uint8_t *data)
{
	static int on = -1;
	char line[256];

	if (on < 0) {
		const char *env = getenv("IPCFUZZ_TRACE");
		on = env && *env && strcmp(env, "0");
	}
	if (!on)
		return;
	op_format(ran, line, sizeof line);
	fprintf(stderr, "%3d %-52s ret=%lld err=%d len=%u%s (model: ret=%lld err=%d len=%u)\n",
		index, line, (long long)out->ret, out->err, out->len, ex->unsure ? " unsure" : "",
		(long long)ex->ret, ex->err, ex->len);
	if (cls == CLASS_SIGNALS && out->len) {
		struct report tmp = {.text = ""};
		add_records(&tmp, "   ", data, out->len);
		fputs(tmp.text, stderr);
	} else if (out->len) {
		fputs("    data: ", stderr);
		for (uint32_t k = 0; k < out->len && k < 80; k++)
			fprintf(stderr, data[k] >= 32 && data[k] < 127 ? "%c" : "\\x%02x", data[k]);
		fputs(out->len > 80 ? "...\n" : "\n", stderr);
	}
}

bool report_judge(struct report *r, const char *target, enum sem_class cls, const struct prog *p,
		  int index, const struct op *ran, const struct expect *ex,
		  const struct outcome *out, const uint8_t *data, const char *note)
{
	size_t diff_at = 0;
	char line[256];

	if (ex->skipped || report_failed(r))
		return false;
	trace(cls, index, ran, ex, out, data);
	const char *check = classify(cls, ex, out, data, &diff_at);
	if (!check)
		return false;
	header(r, target, p, index, ran, check);
	op_format(ran, line, sizeof line);
	add(r, "ran:      %s%s%s\n", line, note ? "  " : "", note ? note : "");
	add(r, "expected: ret=%lld errno=%d%s%s len=%u", (long long)ex->ret, ex->err,
	    ex->err ? " " : "", ex->err ? strerror(ex->err) : "", ex->len);
	if (ex->err_alt)
		add(r, " (or errno=%d %s)", ex->err_alt, strerror(ex->err_alt));
	if (ex->has_alt)
		add(r, " (or ret=%lld errno=%d)", (long long)ex->alt_ret, ex->alt_err);
	if (ex->has_mtype)
		add(r, " mtype=%lld", (long long)ex->mtype);
	add(r, "\nactual:   ret=%lld errno=%d%s%s len=%u", (long long)out->ret, out->err,
	    out->err ? " " : "", out->err ? strerror(out->err) : "", out->len);
	if (ex->has_mtype)
		add(r, " mtype=%lld", (long long)out->mtype);
	add(r, "\n");
	if (!strcmp(check, "data"))
		add(r, "first differing byte at %zu: expected 0x%02x, got 0x%02x\n", diff_at,
		    ex->data[diff_at], data[diff_at]);
	if (cls == CLASS_SIGNALS && (ex->len || out->len)) {
		add_records(r, "expected", ex->data, ex->len);
		add_records(r, "actual  ", data, out->len);
	}
	add(r, "signature: %s\n", r->signature);
	return true;
}

void report_fail(struct report *r, const char *target, const struct prog *p, int index,
		 const char *check, const char *detail)
{
	if (report_failed(r))
		return;
	header(r, target, p, index, index >= 0 ? &p->ops[index] : NULL, check);
	add(r, "%s%s", detail, detail[0] && detail[strlen(detail) - 1] == '\n' ? "" : "\n");
	add(r, "signature: %s\n", r->signature);
}
