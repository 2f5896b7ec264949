/* SDK-private state shared between files. */
#ifndef FERRY_SDK_INTERNAL_H
#define FERRY_SDK_INTERNAL_H

#include <stdint.h>

struct sdk_boot {
	char bootargs[1024];
	uint64_t ram_base;
	uint64_t ram_size;
	uintptr_t fdt;
	uint32_t fdt_size;
};

extern struct sdk_boot sdk_boot_info;
int sdk_fdt_parse(uintptr_t addr, struct sdk_boot *boot);
void sdk_params_init(const char *bootargs);
void sdk_heap_init(void);

#endif
