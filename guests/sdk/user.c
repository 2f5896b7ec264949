/* PMP and U-mode execution. */
#include "sdk.h"

long sdk_run_user_asm(long (*fn)(long), long arg, void *stack_top);

static uint64_t user_stack[2048] __attribute__((aligned(16)));

void sdk_pmp_allow_all(void)
{
	sdk_csr_write(pmpaddr0, -1L);
	sdk_csr_write(pmpcfg0, 0x1f);
}

long sdk_run_user(long (*fn)(long), long arg)
{
	uint64_t mie = sdk_csr_read(mstatus) & SDK_MSTATUS_MIE;
	long r = sdk_run_user_asm(fn, arg, user_stack + 2048);
	sdk_csr_set(mstatus, mie);
	return r;
}

void sdk_user_exit(long value)
{
	register long a0 __asm__("a0") = value;
	register long a7 __asm__("a7") = SDK_ECALL_USER_EXIT;
	__asm__ volatile("ecall" :: "r"(a0), "r"(a7) : "memory");
	__builtin_unreachable();
}
