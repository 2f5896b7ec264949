/* Minimal flattened device tree reader: /chosen bootargs and /memory reg. */
#include <string.h>
#include "sdk.h"
#include "internal.h"

#define FDT_MAGIC      0xd00dfeedU
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9

static uint32_t be32(const void *p)
{
	const uint8_t *b = p;
	return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

static uint64_t read_cells(const uint8_t *p, uint32_t cells)
{
	uint64_t v = 0;
	for (uint32_t i = 0; i < cells; i++)
		v = (v << 32) | be32(p + 4 * i);
	return v;
}

/* node name up to '@' equals want */
static int name_is(const char *name, const char *want)
{
	size_t n = strlen(want);
	return strncmp(name, want, n) == 0 && (name[n] == 0 || name[n] == '@');
}

int sdk_fdt_parse(uintptr_t addr, struct sdk_boot *boot)
{
	const uint8_t *fdt = (const uint8_t *)addr;
	if (addr == 0 || be32(fdt) != FDT_MAGIC)
		return -1;
	boot->fdt_size = be32(fdt + 4);
	const uint8_t *p = fdt + be32(fdt + 8);
	const char *strings = (const char *)fdt + be32(fdt + 12);
	uint32_t addr_cells = 2, size_cells = 1;
	int depth = 0, in_chosen = 0, in_memory = 0;

	for (;;) {
		uint32_t tok = be32(p);
		p += 4;
		if (tok == FDT_BEGIN_NODE) {
			const char *name = (const char *)p;
			depth++;
			if (depth == 2) {
				in_chosen = name_is(name, "chosen");
				in_memory = name_is(name, "memory");
			}
			p += (strlen(name) + 4) & ~3UL;
		} else if (tok == FDT_END_NODE) {
			if (depth == 2)
				in_chosen = in_memory = 0;
			depth--;
		} else if (tok == FDT_PROP) {
			uint32_t len = be32(p);
			const char *pname = strings + be32(p + 4);
			const uint8_t *val = p + 8;
			if (depth == 1 && strcmp(pname, "#address-cells") == 0)
				addr_cells = be32(val);
			else if (depth == 1 && strcmp(pname, "#size-cells") == 0)
				size_cells = be32(val);
			else if (in_chosen && depth == 2 && strcmp(pname, "bootargs") == 0) {
				size_t n = len < sizeof(boot->bootargs) ? len : sizeof(boot->bootargs) - 1;
				memcpy(boot->bootargs, val, n);
				boot->bootargs[n] = 0;
			} else if (in_memory && depth == 2 && strcmp(pname, "reg") == 0 && !boot->ram_size &&
				   len >= 4 * (addr_cells + size_cells)) {
				boot->ram_base = read_cells(val, addr_cells);
				boot->ram_size = read_cells(val + 4 * addr_cells, size_cells);
			}
			p += 8 + ((len + 3) & ~3U);
		} else if (tok == FDT_NOP) {
			continue;
		} else {
			break;
		}
	}
	return 0;
}
