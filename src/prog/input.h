/* Turning a file into a program: text form when the file is a text program,
 * the binary decoder otherwise (which accepts anything). */
#ifndef IPCFUZZ_INPUT_H
#define IPCFUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "prog.h"

/* Reads a whole file (at most 1 MiB); returns NULL and sets errno. */
uint8_t *input_read_file(const char *path, size_t *size);
/* True when bytes look like a text program (printable, and it parses). */
int input_is_text(const uint8_t *data, size_t size);
/* Text programs parse, anything else decodes. */
void input_to_prog(const uint8_t *data, size_t size, struct prog *p);

#endif
