#include "input.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INPUT_MAX (1u << 20)

uint8_t *input_read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;

	if (!f)
		return NULL;
	buf = malloc(INPUT_MAX + 1);
	*size = fread(buf, 1, INPUT_MAX, f);
	if (ferror(f)) {
		int e = errno;
		fclose(f);
		free(buf);
		errno = e;
		return NULL;
	}
	fclose(f);
	buf[*size] = 0;
	return buf;
}

int input_is_text(const uint8_t *data, size_t size)
{
	char err[128];
	struct prog p;

	if (!size || size >= INPUT_MAX)
		return 0;
	for (size_t i = 0; i < size; i++)
		if ((data[i] < 0x20 && data[i] != '\n' && data[i] != '\t' && data[i] != '\r') ||
		    data[i] > 0x7e)
			return 0;
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = 0;
	int ok = prog_parse(text, &p, err, sizeof err) == 0;
	free(text);
	return ok;
}

void input_to_prog(const uint8_t *data, size_t size, struct prog *p)
{
	char err[128];

	if (input_is_text(data, size)) {
		char *text = malloc(size + 1);
		memcpy(text, data, size);
		text[size] = 0;
		prog_parse(text, p, err, sizeof err);
		free(text);
		return;
	}
	prog_decode(data, size, p);
}
