/* ipcfuzz prog decode|encode: crash files become editable text and back. */
#include "../src/prog/input.h"
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: ipcfuzz prog decode FILE [-o OUT]   binary input -> text program\n"
	"       ipcfuzz prog encode FILE [-o OUT]   text program -> binary input\n"
	"FILE may be - for standard input; OUT defaults to standard output.\n";

static uint8_t *read_all(const char *path, size_t *size)
{
	if (strcmp(path, "-"))
		return input_read_file(path, size);
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap + 1);
	size_t got;
	while ((got = fread(buf + n, 1, cap - n, stdin)) > 0) {
		n += got;
		if (n == cap) {
			uint8_t *bigger = realloc(buf, (cap *= 2) + 1);
			if (!bigger) {
				free(buf);
				return NULL;
			}
			buf = bigger;
		}
	}
	buf[n] = 0;
	*size = n;
	return buf;
}

int cmd_prog(int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : NULL, *in = NULL, *out = NULL;

	if (verb && !strcmp(verb, "--help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!verb || (strcmp(verb, "decode") && strcmp(verb, "encode")))
		return cli_bad_use(usage, "prog: want decode or encode, not '%s'",
				   verb ? verb : "");
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 0;
		} else if (!in && (argv[i][0] != '-' || !strcmp(argv[i], "-")))
			in = argv[i];
		else
			return cli_bad_use(usage, "prog: unexpected argument '%s'", argv[i]);
	}
	if (!in)
		return cli_bad_use(usage, "prog: %s", "no input file");
	size_t size;
	uint8_t *data = read_all(in, &size);
	if (!data) {
		fprintf(stderr, "ipcfuzz: %s: %s\n", in, strerror(errno));
		return 2;
	}
	struct prog p;
	static char text[IPCF_MAX_OPS * 160];
	uint8_t bin[IPCF_MAX_OPS * IPCF_OP_BYTES];
	const void *res;
	size_t len;
	if (!strcmp(argv[1], "decode")) {
		prog_decode(data, size, &p);
		len = prog_format(&p, text, sizeof text);
		res = text;
	} else {
		char err[200];
		if (prog_parse((const char *)data, &p, err, sizeof err)) {
			fprintf(stderr, "ipcfuzz: %s: %s\n", in, err);
			free(data);
			return 2;
		}
		len = prog_encode(&p, bin, sizeof bin);
		res = bin;
	}
	free(data);
	FILE *f = out ? fopen(out, "wb") : stdout;
	if (!f) {
		fprintf(stderr, "ipcfuzz: %s: %s\n", out, strerror(errno));
		return 2;
	}
	fwrite(res, 1, len, f);
	if (out)
		fclose(f);
	return 0;
}
