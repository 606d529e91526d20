/* The campaign's three reports, from one struct campaign: Markdown for
 * people, JSON for scripts (ci/campaign.sh, ci/nightly.sh), JUnit XML for CI
 * test views (a target and engine is a test case; a finding is a failure). */
#include "campaign.h"

#include <stdio.h>
#include <string.h>

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void xml_str(FILE *f, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
}

static FILE *open_out(const struct campaign *c, const char *name)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", c->out, name);
	FILE *f = fopen(path, "we");
	if (!f)
		perror(path);
	return f;
}

/* Findings of one target and engine ("stress" for the stress profile). */
static int findings_of(const struct campaign *c, const char *target, const char *engine)
{
	int n = 0;
	for (int i = 0; i < c->nfindings; i++)
		n += !strcmp(c->findings[i].target, target) &&
		     (!engine || !strcmp(c->findings[i].engine, engine));
	return n;
}

static void write_markdown(const struct campaign *c)
{
	FILE *f = open_out(c, "report.md");
	if (!f)
		return;
	fprintf(f, "# ipcfuzz campaign\n\n");
	fprintf(f, "%ld s per target and engine, %ld job(s), engines:", c->seconds, c->jobs);
	for (int e = 0; e < c->nengines; e++)
		fprintf(f, " %s", c->engines[e]);
	fprintf(f, "; %.0f s in all. **%d distinct finding(s).**\n\n", c->seconds_total,
		c->nfindings);
	fprintf(f, "| target | engine | execs | exec/s | crashes | leaks | signatures |\n");
	fprintf(f, "|---|---|---:|---:|---:|---:|---|\n");
	for (int i = 0; i < c->ntargets; i++) {
		const struct campaign_target *t = &c->targets[i];
		if (t->skipped) {
			fprintf(f, "| %s | - | | | | | skipped: %s |\n", t->id, t->skipped);
			continue;
		}
		for (int e = 0; e < t->nruns; e++) {
			const struct fuzz_run *r = &t->runs[e];
			fprintf(f, "| %s | %s | %lld | %.0f | %d | %d | %s |\n", t->id, r->engine,
				r->execs, r->exec_per_sec, r->crashes, r->leaks, r->signatures);
		}
		if (t->stress.ran)
			fprintf(f, "| %s | stress | | | %d | | %s |\n", t->id,
				t->stress.status != 0, t->stress.signature);
	}
	fprintf(f, "\n## Findings\n\n");
	if (!c->nfindings)
		fprintf(f, "None.\n");
	for (int i = 0; i < c->nfindings; i++) {
		const struct campaign_finding *x = &c->findings[i];
		fprintf(f, "- `%s` (%s, %s, %d input(s)): `%s`  \n", x->signature, x->target,
			x->engine, x->count, x->file);
		fprintf(f,
			"  reproduce: `ipcfuzz repro %s --target %s --minimize --to-c repro.c`\n",
			x->file, x->target);
	}
	fprintf(f, "\n## Corpus and coverage\n\n");
	for (int i = 0; i < c->ntargets; i++) {
		const struct campaign_target *t = &c->targets[i];
		if (t->skipped)
			continue;
		fprintf(f, "- %s: working corpus %d -> %d inputs (%s)%s", t->id, t->corpus_before,
			t->corpus_after, t->merge_tool[0] ? t->merge_tool : "not merged",
			t->plot[0] ? "\n\n" : "\n");
		if (t->plot[0])
			fprintf(f, "  ![%s coverage](%s/coverage.png)\n\n", t->id, t->id);
	}
	fclose(f);
}

static void write_json(const struct campaign *c)
{
	FILE *f = open_out(c, "report.json");
	if (!f)
		return;
	fprintf(f, "{\n  \"seconds_per_target\": %ld,\n  \"jobs\": %ld,\n  \"engines\": [",
		c->seconds, c->jobs);
	for (int e = 0; e < c->nengines; e++)
		fprintf(f, "%s\"%s\"", e ? ", " : "", c->engines[e]);
	fprintf(f, "],\n  \"seconds_total\": %.1f,\n  \"corpus\": ", c->seconds_total);
	json_str(f, c->corpus);
	fprintf(f, ",\n  \"targets\": [");
	for (int i = 0; i < c->ntargets; i++) {
		const struct campaign_target *t = &c->targets[i];
		fprintf(f, "%s\n    {\"id\": \"%s\", ", i ? "," : "", t->id);
		if (t->skipped) {
			fprintf(f, "\"skipped\": ");
			json_str(f, t->skipped);
			fprintf(f, "}");
			continue;
		}
		fprintf(f, "\"runs\": [");
		for (int e = 0; e < t->nruns; e++) {
			const struct fuzz_run *r = &t->runs[e];
			fprintf(f,
				"%s{\"engine\": \"%s\", \"seconds\": %.1f, \"execs\": %lld, "
				"\"exec_per_sec\": %.0f, \"crashes\": %d, \"leaks\": %d, "
				"\"coverage_points\": %d, \"signatures\": ",
				e ? ", " : "", r->engine, t->run_seconds[e], r->execs,
				r->exec_per_sec, r->crashes, r->leaks, r->coverage_points);
			json_str(f, r->signatures);
			fprintf(f, "}");
		}
		fprintf(f, "], \"stress\": ");
		if (t->stress.ran) {
			fprintf(f, "{\"status\": %d, \"signature\": ", t->stress.status);
			json_str(f, t->stress.signature);
			fprintf(f, "}");
		} else {
			fprintf(f, "null");
		}
		fprintf(f,
			", \"corpus_before\": %d, \"corpus_after\": %d, \"merge\": \"%s\", "
			"\"plot\": ",
			t->corpus_before, t->corpus_after, t->merge_tool);
		json_str(f, t->plot);
		fprintf(f, "}");
	}
	fprintf(f, "\n  ],\n  \"findings\": [");
	for (int i = 0; i < c->nfindings; i++) {
		const struct campaign_finding *x = &c->findings[i];
		fprintf(f, "%s\n    {\"signature\": ", i ? "," : "");
		json_str(f, x->signature);
		fprintf(f,
			", \"target\": \"%s\", \"engine\": \"%s\", \"leak\": %s, \"count\": %d, "
			"\"file\": ",
			x->target, x->engine, strncmp(x->signature, "leak:", 5) ? "false" : "true",
			x->count);
		json_str(f, x->file);
		fprintf(f, "}");
	}
	fprintf(f, "\n  ]\n}\n");
	fclose(f);
}

static void junit_case(FILE *f, const struct campaign *c, const char *target, const char *engine,
		       double seconds)
{
	fprintf(f, "    <testcase classname=\"ipcfuzz.%s\" name=\"%s\" time=\"%.1f\"", target,
		engine, seconds);
	if (!findings_of(c, target, engine)) {
		fprintf(f, "/>\n");
		return;
	}
	fprintf(f, ">\n");
	for (int i = 0; i < c->nfindings; i++) {
		const struct campaign_finding *x = &c->findings[i];
		if (strcmp(x->target, target) || strcmp(x->engine, engine))
			continue;
		fprintf(f, "      <failure type=\"");
		xml_str(f, x->signature);
		fprintf(f, "\" message=\"");
		xml_str(f, x->signature);
		fprintf(f, "\">");
		xml_str(f, x->file);
		fprintf(f, "</failure>\n");
	}
	fprintf(f, "    </testcase>\n");
}

static void write_junit(const struct campaign *c)
{
	FILE *f = open_out(c, "junit.xml");
	int tests = 0, skipped = 0, failures = 0;

	if (!f)
		return;
	for (int i = 0; i < c->ntargets; i++) {
		const struct campaign_target *t = &c->targets[i];
		if (t->skipped) {
			tests++;
			skipped++;
			continue;
		}
		for (int e = 0; e < t->nruns; e++) {
			tests++;
			failures += findings_of(c, t->id, t->runs[e].engine) > 0;
		}
		if (t->stress.ran) {
			tests++;
			failures += findings_of(c, t->id, "stress") > 0;
		}
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f,
		"<testsuites>\n  <testsuite name=\"ipcfuzz campaign\" tests=\"%d\" failures=\"%d\" "
		"errors=\"0\" skipped=\"%d\" time=\"%.1f\">\n",
		tests, failures, skipped, c->seconds_total);
	for (int i = 0; i < c->ntargets; i++) {
		const struct campaign_target *t = &c->targets[i];
		if (t->skipped) {
			fprintf(f,
				"    <testcase classname=\"ipcfuzz.%s\" name=\"probe\">\n"
				"      <skipped message=\"",
				t->id);
			xml_str(f, t->skipped);
			fprintf(f, "\"/>\n    </testcase>\n");
			continue;
		}
		for (int e = 0; e < t->nruns; e++)
			junit_case(f, c, t->id, t->runs[e].engine, t->run_seconds[e]);
		if (t->stress.ran)
			junit_case(f, c, t->id, "stress", t->stress.seconds);
	}
	fprintf(f, "  </testsuite>\n</testsuites>\n");
	fclose(f);
}

void campaign_write_reports(const struct campaign *c)
{
	write_markdown(c);
	write_json(c);
	write_junit(c);
}
