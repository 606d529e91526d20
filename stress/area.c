#define _GNU_SOURCE
#include "area.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

static size_t align64(size_t n)
{
	return (n + 63u) & ~(size_t)63u;
}

int area_open(struct area *a, unsigned nprod, unsigned ncons, size_t inbox_size)
{
	size_t off_prod = 64;
	size_t off_cons = off_prod + align64(nprod * sizeof(struct prod_slot));
	size_t off_last = off_cons + align64(ncons * sizeof(struct cons_slot));
	size_t off_inbox = off_last + align64((size_t)ncons * nprod * sizeof(uint64_t));

	memset(a, 0, sizeof *a);
	a->inbox_size = align64(inbox_size);
	a->len = off_inbox + ncons * a->inbox_size;
	/* Anonymous and shared: forked participants inherit it, and it is
	 * gone when the last of them is, whatever killed them. */
	a->map = mmap(NULL, a->len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (a->map == MAP_FAILED) {
		a->map = NULL;
		return -errno;
	}
	uint8_t *base = a->map;
	a->phase = (_Atomic uint32_t *)base;
	a->nprod = nprod;
	a->ncons = ncons;
	a->prod = (struct prod_slot *)(base + off_prod);
	a->cons = (struct cons_slot *)(base + off_cons);
	a->last = (uint64_t *)(base + off_last);
	a->inbox = base + off_inbox;
	return 0;
}

void area_close(struct area *a)
{
	if (a->map)
		munmap(a->map, a->len);
	memset(a, 0, sizeof *a);
}
