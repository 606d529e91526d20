/* Metrics: latency histograms, rates, the live progress line and the
 * reports (text summary and JSON). */
#ifndef IPCFUZZ_STRESS_METRICS_H
#define IPCFUZZ_STRESS_METRICS_H

#include <stdint.h>
#include <stdio.h>

/* Log-linear buckets (8 per power of two): 12% resolution from 1 ns to
 * centuries in 4 KiB, cheap enough to update per frame. */
#define HIST_BUCKETS 496
struct hist {
	uint64_t n, max;
	uint64_t b[HIST_BUCKETS];
};

void hist_add(struct hist *h, uint64_t v);
void hist_merge(struct hist *into, const struct hist *h);
/* The lower edge of the bucket holding quantile q (0..1). */
uint64_t hist_quantile(const struct hist *h, double q);

struct stress_result;
struct stress_opts;

/* A line rewritten in place; only call it when stdout is a terminal. */
void metrics_progress(const char *mech, double secs, uint64_t sent, uint64_t received,
		      uint64_t bytes, unsigned kills);
void metrics_progress_end(void);
void metrics_summary(FILE *f, const struct stress_result *r);
/* The JSON report of every mechanism run; -errno when the file fails. */
int metrics_json(const char *path, const struct stress_opts *o, const struct stress_result *r,
		 size_t n);

#endif
