/*
 * selftest: checks the SDK itself: TLS (.tdata/.tbss, errno), .bss zeroing,
 * parameter parsing, heap. Run with: a=1 size=64K big=2M hex=0x10 word=hello
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "sdk.h"

static __thread volatile uint64_t tls_init = 0x1234;
static __thread uint64_t tls_zero;
static uint64_t bss_words[64];
static int failures;

static void expect(const char *name, long got, long want)
{
	printf("%s %s = %ld\n", got == want ? "ok  " : "FAIL", name, got);
	if (got != want)
		failures++;
}

int main(void)
{
	uint64_t tp;
	__asm__("mv %0, tp" : "=r"(tp));
	expect("tls .tdata initialised", (long)tls_init, 0x1234);
	tls_init++;
	expect("tls .tdata writable", (long)*(volatile uint64_t *)&tls_init, 0x1235);
	expect("tls .tbss zero", (long)tls_zero, 0);
	expect("tp points at the TLS block (.tdata first)", (uintptr_t)&tls_init == tp, 1);
	errno = 0;
	strtol("99999999999999999999999", NULL, 10);
	expect("errno ERANGE through TLS", errno, ERANGE);

	long nonzero = 0;
	for (int i = 0; i < 64; i++)
		nonzero += bss_words[i] != 0;
	expect(".bss zeroed", nonzero, 0);

	expect("param long", sdk_param_long("a", -1), 1);
	expect("param size K", sdk_param_size("size", -1), 64 * 1024);
	expect("param size M", sdk_param_size("big", -1), 2 * 1024 * 1024);
	expect("param hex", sdk_param_long("hex", -1), 16);
	expect("param default", sdk_param_long("missing", 42), 42);
	expect("param str", strcmp(sdk_param_str("word", ""), "hello"), 0);
	expect("param present", sdk_param_present("word"), 1);

	expect("heap below FDT", sdk_heap_end() <= sdk_fdt_addr(), 1);
	char *m = malloc(1 << 20);
	expect("malloc 1M", m != NULL, 1);
	memset(m, 0xa5, 1 << 20);
	free(m);
	uintptr_t mark = sdk_heap_mark();
	uint8_t *a = sdk_alloc(8192, 4096);
	expect("sdk_alloc aligned", ((uintptr_t)a & 4095) == 0, 1);
	sdk_heap_release(mark);
	expect("heap release", sdk_heap_mark() == mark, 1);

	printf(failures ? "FAIL %d\n" : "PASS\n", failures);
	return failures ? 1 : 0;
}
