/* Boot-time initialisation, boot information and heap. */
#include <errno.h>
#include <string.h>
#include "sdk.h"
#include "internal.h"

struct sdk_boot sdk_boot_info;

extern char __heap_start[], __heap_default_end[];
static uintptr_t heap_end, heap_brk;

void sdk_init(uint64_t hartid, uintptr_t fdt)
{
	(void)hartid;
	if (sdk_fdt_parse(fdt, &sdk_boot_info) == 0)
		sdk_boot_info.fdt = fdt;
	sdk_params_init(sdk_boot_info.bootargs);
	sdk_heap_init();
}

void sdk_heap_init(void)
{
	heap_brk = (uintptr_t)__heap_start;
	if (sdk_boot_info.fdt)
		heap_end = sdk_boot_info.fdt & ~(SDK_PAGE_SIZE - 1);
	else
		heap_end = (uintptr_t)__heap_default_end;
	if (sdk_boot_info.ram_size) {
		uintptr_t ram_end = sdk_boot_info.ram_base + sdk_boot_info.ram_size;
		if (heap_end > ram_end)
			heap_end = ram_end;
	}
	if (heap_end < heap_brk)
		heap_end = heap_brk;
}

const char *sdk_bootargs(void) { return sdk_boot_info.bootargs; }
uint64_t sdk_ram_base(void) { return sdk_boot_info.ram_base; }
uint64_t sdk_ram_size(void) { return sdk_boot_info.ram_size; }
uintptr_t sdk_fdt_addr(void) { return sdk_boot_info.fdt; }
uint32_t sdk_fdt_size(void) { return sdk_boot_info.fdt_size; }
uintptr_t sdk_heap_start(void) { return (uintptr_t)__heap_start; }
uintptr_t sdk_heap_end(void) { return heap_end; }
size_t sdk_heap_avail(void) { return heap_end - heap_brk; }

void *sbrk(ptrdiff_t incr)
{
	uintptr_t old = heap_brk;
	if ((incr > 0 && (uintptr_t)incr > heap_end - heap_brk) ||
	    (incr < 0 && (uintptr_t)-incr > heap_brk - (uintptr_t)__heap_start)) {
		errno = ENOMEM;
		return (void *)-1;
	}
	heap_brk += incr;
	return (void *)old;
}

void *sdk_alloc(size_t bytes, size_t align)
{
	if (align < 16)
		align = 16;
	uintptr_t p = (heap_brk + align - 1) & ~(uintptr_t)(align - 1);
	if (p > heap_end || bytes > heap_end - p) {
		printf("sdk_alloc: %lu bytes do not fit in the heap (%lu free)\n",
		       (unsigned long)bytes, (unsigned long)sdk_heap_avail());
		sdk_exit(2);
	}
	heap_brk = p + bytes;
	return (void *)p;
}

long sdk_fit_size(const char *what, long want, long reserve)
{
	long avail = (long)sdk_heap_avail() - reserve;
	avail &= ~(long)(SDK_PAGE_SIZE - 1);
	if (avail < 0)
		avail = 0;
	if (want <= avail)
		return want;
	printf("note: %s=%ld clamped to %ld (free heap below the FDT, RAM %lu MiB)\n", what, want,
	       avail, (unsigned long)(sdk_ram_size() >> 20));
	return avail;
}

uintptr_t sdk_heap_mark(void)
{
	return heap_brk;
}

void sdk_heap_release(uintptr_t mark)
{
	if (mark >= (uintptr_t)__heap_start && mark <= heap_brk)
		heap_brk = mark;
}
