#include "metrics.h"

#include "run.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Bucket of v: v itself below 8, then 8 sub-buckets per power of two. */
static unsigned bucket(uint64_t v)
{
	if (v < 8)
		return (unsigned)v;
	unsigned e = 63u - (unsigned)__builtin_clzll(v); /* 3..63 */
	return 8u + (e - 3u) * 8u + (unsigned)((v >> (e - 3u)) & 7u);
}

static uint64_t bucket_low(unsigned i)
{
	if (i < 8)
		return i;
	unsigned e = (i - 8u) / 8u + 3u, m = (i - 8u) % 8u;
	return (uint64_t)(8u + m) << (e - 3u);
}

void hist_add(struct hist *h, uint64_t v)
{
	h->b[bucket(v)]++;
	h->n++;
	if (v > h->max)
		h->max = v;
}

void hist_merge(struct hist *into, const struct hist *h)
{
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		into->b[i] += h->b[i];
	into->n += h->n;
	if (h->max > into->max)
		into->max = h->max;
}

uint64_t hist_quantile(const struct hist *h, double q)
{
	uint64_t want = (uint64_t)(q * (double)h->n), seen = 0;

	if (!h->n)
		return 0;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen > want)
			return bucket_low(i);
	}
	return h->max;
}

void metrics_progress(const char *mech, double secs, uint64_t sent, uint64_t received,
		      uint64_t bytes, unsigned kills)
{
	double s = secs > 0 ? secs : 1e-9;

	printf("\r\033[K%-10s %6.1fs  sent %llu  received %llu  %.0f msg/s  %.1f MB/s  kills %u",
	       mech, secs, (unsigned long long)sent, (unsigned long long)received,
	       (double)received / s, (double)bytes / s / 1e6, kills);
	fflush(stdout);
}

void metrics_progress_end(void)
{
	printf("\r\033[K");
	fflush(stdout);
}

static double rate(uint64_t n, double secs)
{
	return secs > 0 ? (double)n / secs : 0;
}

static void us(char *buf, size_t cap, uint64_t ns)
{
	if (ns >= 1000000)
		snprintf(buf, cap, "%.1fms", (double)ns / 1e6);
	else
		snprintf(buf, cap, "%.1fus", (double)ns / 1e3);
}

void metrics_summary(FILE *f, const struct stress_result *r)
{
	char p50[32], p99[32], max[32];

	if (r->skipped[0]) {
		fprintf(f, "%-10s skipped: %s\n", r->mech, r->skipped);
		return;
	}
	us(p50, sizeof p50, r->lat_p50);
	us(p99, sizeof p99, r->lat_p99);
	us(max, sizeof max, r->lat_max);
	char lat[128] = "latency not measured";
	if (r->lat_measured)
		snprintf(lat, sizeof lat, "latency p50 %s p99 %s max %s", p50, p99, max);
	fprintf(f, "%-10s %s %up/%uc %.2fs: sent %llu, received %llu; %.0f msg/s, %.1f MB/s; %s\n",
		r->mech, r->mode, r->nprod, r->ncons, r->seconds, (unsigned long long)r->sent,
		(unsigned long long)r->received, rate(r->received, r->seconds),
		rate(r->bytes, r->seconds) / 1e6, lat);
	fprintf(f,
		"%-10s lost %llu, duplicated %llu, corrupted %llu, truncated %llu, reordered %llu",
		"", (unsigned long long)r->lost, (unsigned long long)r->duplicated,
		(unsigned long long)r->corrupted, (unsigned long long)r->truncated,
		(unsigned long long)r->reordered);
	if (r->may_drop)
		fprintf(f, "; dropped %llu (allowed)", (unsigned long long)r->dropped);
	if (r->kills)
		fprintf(f,
			"; kills %u: lost to kills %llu, in doubt %llu (%llu arrived), recovered "
			"%llu, "
			"lock holders killed %u",
			r->kills, (unsigned long long)r->lost_to_kill,
			(unsigned long long)r->in_doubt, (unsigned long long)r->doubt_received,
			(unsigned long long)r->recovered, r->owner_deaths);
	if (r->unsettled)
		fprintf(f, "; %llu not arrived when the run was aborted",
			(unsigned long long)r->unsettled);
	if (r->ledger_full)
		fprintf(f, "; stopped early, out of sequence numbers");
	fprintf(f, "  %s\n", stress_violations(r) ? "FAIL" : "PASS");
	if (r->failures[0])
		fprintf(f, "%s", r->failures);
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_parts(FILE *f, const char *name, const char *count, const struct stress_part *p,
		       unsigned n)
{
	fprintf(f, ", \"%s\": [", name);
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%s{\"%s\": %llu, \"kills\": %u}", i ? ", " : "", count,
			(unsigned long long)p[i].count, p[i].kills);
	fprintf(f, "]");
}

static void json_failures(FILE *f, const char *text)
{
	char line[512];

	fprintf(f, ", \"failures\": [");
	for (int first = 1; *text; first = 0) {
		size_t n = strcspn(text, "\n");
		snprintf(line, sizeof line, "%.*s", (int)n, text);
		fprintf(f, "%s", first ? "" : ", ");
		json_string(f, line);
		text += n + (text[n] == '\n');
	}
	fprintf(f, "]");
}

static void json_result(FILE *f, const struct stress_result *r)
{
	fprintf(f, "{\"mechanism\": ");
	json_string(f, r->mech);
	if (r->skipped[0]) {
		fprintf(f, ", \"status\": \"skipped\", \"reason\": ");
		json_string(f, r->skipped);
		fprintf(f, "}");
		return;
	}
	char lat[128] = "null";
	if (r->lat_measured)
		snprintf(lat, sizeof lat, "{\"p50\": %llu, \"p99\": %llu, \"max\": %llu}",
			 (unsigned long long)r->lat_p50, (unsigned long long)r->lat_p99,
			 (unsigned long long)r->lat_max);
	fprintf(f,
		", \"status\": \"%s\", \"mode\": \"%s\", \"producers\": %u, \"consumers\": %u,"
		" \"seconds\": %.3f, \"sent\": %llu, \"received\": %llu, \"bytes\": %llu,"
		" \"msgs_per_s\": %.0f, \"mb_per_s\": %.2f,"
		" \"latency_ns\": %s,"
		" \"lost\": %llu, \"duplicated\": %llu, \"corrupted\": %llu, \"truncated\": %llu,"
		" \"reordered\": %llu, \"kills\": %u, \"lost_to_kill\": %llu, \"in_doubt\": %llu,"
		" \"in_doubt_received\": %llu, \"recovered\": %llu, \"lock_owner_deaths\": %u,"
		" \"unsettled\": %llu, \"ledger_full\": %s, \"may_drop\": %s, \"dropped\": %llu",
		stress_violations(r) ? "fail" : "pass", r->mode, r->nprod, r->ncons, r->seconds,
		(unsigned long long)r->sent, (unsigned long long)r->received,
		(unsigned long long)r->bytes, rate(r->received, r->seconds),
		rate(r->bytes, r->seconds) / 1e6, lat, (unsigned long long)r->lost,
		(unsigned long long)r->duplicated, (unsigned long long)r->corrupted,
		(unsigned long long)r->truncated, (unsigned long long)r->reordered, r->kills,
		(unsigned long long)r->lost_to_kill, (unsigned long long)r->in_doubt,
		(unsigned long long)r->doubt_received, (unsigned long long)r->recovered,
		r->owner_deaths, (unsigned long long)r->unsettled,
		r->ledger_full ? "true" : "false", r->may_drop ? "true" : "false",
		(unsigned long long)r->dropped);
	json_parts(f, "per_producer", "sent", r->prod, r->nprod);
	json_parts(f, "per_consumer", "received", r->cons, r->ncons);
	json_failures(f, r->failures);
	fprintf(f, "}");
}

int metrics_json(const char *path, const struct stress_opts *o, const struct stress_result *r,
		 size_t n)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f,
		"{\"tool\": \"ipcfuzz stress\", \"options\": {\"producers\": %u, \"consumers\": %u,"
		" \"seconds\": %.3f, \"messages\": %llu, \"msg_size\": [%u, %u],"
		" \"kill_every_ms\": %u, \"threads\": %s},\n \"results\": [",
		o->producers, o->consumers, o->seconds, (unsigned long long)o->messages,
		o->size_min, o->size_max, o->kill_every_ms, o->threads ? "true" : "false");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s\n  ", i ? "," : "");
		json_result(f, &r[i]);
	}
	fprintf(f, "\n]}\n");
	return fclose(f) ? -errno : 0;
}
